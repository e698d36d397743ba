package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.LogCapture;
import io.github.undertowstreaming.it.support.PatternRoute;
import io.github.undertowstreaming.it.support.TestServer;
import io.github.undertowstreaming.it.support.Tls;
import io.github.undertowstreaming.it.support.Waits;
import io.undertow.server.handlers.GracefulShutdownHandler;

/**
 * Undertow's {@link GracefulShutdownHandler} in front of the library: streams in flight finish
 * within the shutdown timeout when their clients read; after it, stopping the server aborts the
 * rest visibly to their clients and closes their bodies.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GracefulShutdownTest {

    private static final long SIZE = 2L << 20;

    private final PatternRoute route = new PatternRoute();
    private final GracefulShutdownHandler shutdown = new GracefulShutdownHandler(new AsyncStreamingHandler(route));
    private final HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
            .sslContext(Tls.clientContext()).build();

    @Test
    void streamsInFlightFinishWithinTheShutdownTimeoutWhenTheirClientsRead() throws Exception {
        try (TestServer server = TestServer.start(shutdown)) {
            // 128 reads of 16 KiB, 5 ms each: well under a second a stream, yet in flight at the shutdown
            String path = "/bytes?size=" + SIZE + "&maxRead=16384&delayMs=5";
            List<HttpResponse<InputStream>> responses = new ArrayList<>();
            for (HttpClient client : new HttpClient[] {http1, h2, http1, h2}) {
                responses.add(client.send(HttpRequest.newBuilder(client == h2 ? server.https(path) : server.http(path))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream()));
            }

            shutdown.shutdown();
            HttpResponse<String> refused = http1.send(HttpRequest.newBuilder(server.http("/bytes?size=10"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, refused.statusCode(), "a new request during the shutdown");

            for (HttpResponse<InputStream> r : responses) {
                try (InputStream in = r.body()) {
                    assertEquals(Pattern.digest(SIZE), Pattern.digest(in));
                }
            }
            assertTrue(shutdown.awaitShutdown(10_000), "every stream in flight finished within the timeout");
            for (int i = 0; i < responses.size(); i++) {
                Pattern.PatternStream source = route.opened.poll(1, TimeUnit.SECONDS);
                assertTrue(source != null, "body " + i + " opened");
                // closed after its last write, so possibly a moment after the exchange ended
                Waits.await(source::isClosed, Duration.ofSeconds(1), () -> "a body was not closed");
            }
        }
    }

    @Test
    void streamsStillRunningAfterTheShutdownTimeoutAreAbortedVisiblyAndTheirBodiesClosed() throws Exception {
        List<InputStream> bodies = new ArrayList<>();
        List<Pattern.PatternStream> sources = new ArrayList<>();
        try (LogCapture xnio = LogCapture.of("org.xnio")) {
            try (TestServer server = TestServer.start(shutdown)) {
                String path = "/bytes?size=-1&maxRead=16384&delayMs=20"; // endless
                for (HttpClient client : new HttpClient[] {http1, h2}) {
                    HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(client == h2 ? server.https(path)
                            : server.http(path)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
                    bodies.add(r.body());
                    sources.add(route.opened.poll(5, TimeUnit.SECONDS));
                }
                shutdown.shutdown();
                assertFalse(shutdown.awaitShutdown(500), "endless streams cannot finish");
            } // stops the server
            // a stream's watch, due on an IO thread that is terminating, ends quietly (it once
            // failed there with XNIO007007, logged by XNIO as an ERROR per stream)
            assertEquals(List.of(), xnio.containing("XNIO000011").stream().filter(m -> m.contains("undertowstreaming"))
                    .toList(), "the library's tasks that failed on XNIO's threads");
        }
        for (Pattern.PatternStream source : sources) {
            Waits.await(source::isClosed, Duration.ofSeconds(5), () -> "a body of a stream cut by the stop was not closed");
        }
        for (InputStream in : bodies) {
            try (in) {
                assertThrows(IOException.class, () -> Pattern.digest(in), "an endless body cut short must fail to read");
            }
        }
    }
}
