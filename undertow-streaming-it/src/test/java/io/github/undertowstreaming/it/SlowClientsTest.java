package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.PatternRoute;
import io.github.undertowstreaming.it.support.SlowReader;
import io.github.undertowstreaming.it.support.TestServer;
import io.github.undertowstreaming.it.support.ThreadDumps;
import io.undertow.Handlers;
import io.undertow.server.handlers.BlockingHandler;

/**
 * A server with 4 worker threads and small socket buffers, so a 2 MiB body cannot hide in the
 * kernel: slow clients really hold the socket full. The library serves 32 of them while a route
 * that needs a worker still answers; BlockingHandler under the same load cannot.
 */
class SlowClientsTest {

    private static final long SIZE = 2L << 20;
    private static final long PACE = 512 * 1024; // bytes per second per client: about 4 s a body

    private static TestServer server;
    private static HttpClient http;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(new AsyncStreamingHandler(Handlers.path()
                .addPrefixPath("/bytes", new PatternRoute())
                .addPrefixPath("/blocking/bytes", new BlockingHandler(exchange -> {
                    try (InputStream in = Pattern.stream(SIZE); OutputStream out = exchange.getOutputStream()) {
                        in.transferTo(out);
                    }
                }))
                .addPrefixPath("/ping", exchange -> exchange.dispatch(() -> exchange.getResponseSender().send("pong")))),
                b -> b.setWorkerThreads(4).setSocketOption(Options.SEND_BUFFER, 16 * 1024));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void thirtyTwoSlowClientsAllFinishWhileAWorkerRouteAnswersWithinOneSecond() throws Exception {
        int clients = 32;
        CountDownLatch started = new CountDownLatch(clients);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<String>> downloads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                downloads.add(pool.submit(new SlowReader(server.httpPort(), "/bytes?size=" + SIZE, PACE, started)));
            }
            assertTrue(started.await(30, TimeUnit.SECONDS), "every client got its first 64 KiB");

            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> pong = http.send(HttpRequest.newBuilder(server.http("/ping"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertEquals("pong", pong.body());
                assertTrue(millis < 1000, "/ping took " + millis + " ms with 32 slow downloads in flight");

                List<String> blocked = ThreadDumps.workersWaitingOnASocketWrite(server.undertow());
                assertTrue(blocked.isEmpty(), "workers waiting on a socket write: " + blocked);
            }
            assertFalse(downloads.stream().allMatch(Future::isDone), "the pings ran while downloads were in flight");

            for (Future<String> d : downloads) {
                assertEquals(Pattern.digest(SIZE), d.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theSameLoadUnderBlockingHandlerPinsEveryWorkerAndStarvesTheWorkerRoute() throws Exception {
        int clients = 4; // one per worker is enough to take them all
        CountDownLatch started = new CountDownLatch(clients);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<String>> downloads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                downloads.add(pool.submit(new SlowReader(server.httpPort(), "/blocking/bytes", PACE, started)));
            }
            assertTrue(started.await(30, TimeUnit.SECONDS));

            // the probe used above does see workers blocked on the socket when there are some
            List<String> blocked = List.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (blocked.isEmpty() && System.nanoTime() < deadline) {
                blocked = ThreadDumps.workersWaitingOnASocketWrite(server.undertow());
            }
            assertFalse(blocked.isEmpty(), "BlockingHandler's workers should be seen waiting on the socket");

            long t0 = System.nanoTime();
            http.send(HttpRequest.newBuilder(server.http("/ping")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(millis >= 1000, "/ping answered in " + millis + " ms although every worker was pinned");

            for (Future<String> d : downloads) {
                assertEquals(Pattern.digest(SIZE), d.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
