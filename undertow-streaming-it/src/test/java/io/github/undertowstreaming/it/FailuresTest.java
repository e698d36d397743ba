package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.PatternRoute;
import io.github.undertowstreaming.it.support.RawHttp;
import io.github.undertowstreaming.it.support.TestServer;
import io.github.undertowstreaming.it.support.Tls;
import io.undertow.Handlers;

/** The failure contract: a failed body never looks complete, and every body is closed. */
class FailuresTest {

    private static final PatternRoute ROUTE = new PatternRoute();
    private static final RecordingBody REJECTED_BODY = new RecordingBody();
    private static TestServer server;
    private static HttpClient http1;
    private static HttpClient http2;

    @BeforeAll
    static void startServer() {
        StreamingOptions rejecting = StreamingOptions.builder().executor(task -> {
            throw new RejectedExecutionException("the pool is full");
        }).build();
        server = TestServer.start(Handlers.path(new AsyncStreamingHandler(ROUTE))
                .addPrefixPath("/rejecting", new AsyncStreamingHandler(
                        exchange -> Streaming.send(exchange, REJECTED_BODY), rejecting)));
        http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(Tls.clientContext()).build();
        http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(Tls.clientContext()).build();
    }

    @org.junit.jupiter.api.BeforeEach
    void forgetSourcesOfEarlierTests() {
        ROUTE.opened.clear(); // a test that failed early leaves its source behind
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void aBodyThatFailsBeforeTheFirstByteGets500WithNoStackTrace() throws Exception {
        HttpResponse<String> response = http1.send(
                HttpRequest.newBuilder(server.http("/bytes?size=100000&failAt=0")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(500, response.statusCode());
        assertFalse(response.body().contains("Exception"), response.body());
        assertFalse(response.body().contains("source failed"), response.body());
        assertFalse(response.headers().firstValue("content-type").isPresent(),
                "the headers meant for the failed body are gone");
        awaitClosed(ROUTE.opened.take(), 5);
    }

    @ParameterizedTest(name = "{0}, length known: {1}")
    @CsvSource({"HTTP_1_1, true", "HTTP_1_1, false", "HTTP_2, true", "HTTP_2, false"})
    void aBodyThatFailsMidStreamIsSeenIncompleteByTheClient(HttpClient.Version version, boolean known) throws Exception {
        HttpClient client = version == HttpClient.Version.HTTP_2 ? http2 : http1;
        HttpResponse<InputStream> response;
        try {
            response = client.send(
                    HttpRequest.newBuilder(server.https("/bytes?size=1048576&failAt=300000&known=" + known)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            // HTTP/2: the reset can reach the JDK client before it handed out the response; the
            // client saw the failure all the same
            assertEquals(HttpClient.Version.HTTP_2, version, () -> "only HTTP/2 fails before the response: " + e);
            response = null;
        }
        if (response != null) {
            assertEquals(200, response.statusCode());
            assertEquals(version, response.version());
            try (InputStream in = response.body()) {
                assertThrows(IOException.class, () -> Pattern.digest(in));
            }
        }
        awaitClosed(ROUTE.opened.take(), 5);

        // the server and, on HTTP/2, the connection go on serving
        HttpResponse<InputStream> next = client.send(
                HttpRequest.newBuilder(server.https("/bytes?size=100000")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(Pattern.digest(100_000), Pattern.digest(next.body()));
        ROUTE.opened.take();
    }

    @Test
    void aFailedBodyOfUnknownLengthIsChunkedEvenWhenTheRequestSaysConnectionClose() throws Exception {
        try (RawHttp client = RawHttp.connect(server.httpPort(), 0)) {
            client.get("/bytes?size=1048576&failAt=300000&known=false", "Connection: close");

            assertEquals(200, client.status());
            assertEquals("chunked", client.header("transfer-encoding"),
                    "without chunking the close would end the body and it would look complete");
            InputStream body = client.body();
            assertThrows(EOFException.class, () -> Pattern.digest(body));
        }
        awaitClosed(ROUTE.opened.take(), 5);
    }

    @Test
    void aClientThatResetsMidBodyGetsTheBodyClosedWithinOneSecond() throws Exception {
        Pattern.PatternStream source;
        try (RawHttp client = RawHttp.connect(server.httpPort(), 16 * 1024)) {
            client.get("/bytes?size=-1");
            client.body().readNBytes(64 * 1024);
            source = ROUTE.opened.take();
            assertFalse(source.isClosed());
            client.abort();
        }
        awaitClosed(source, 1);
        assertEquals(0, source.readsAfterClose(), "read after close");
    }

    @Test
    void aClientThatClosesMidBodyGetsTheBodyClosedWithinOneSecond() throws Exception {
        Pattern.PatternStream source;
        try (RawHttp client = RawHttp.connect(server.httpPort(), 16 * 1024)) {
            client.get("/bytes?size=-1&maxRead=4096");
            client.body().readNBytes(64 * 1024);
            source = ROUTE.opened.take();
        }
        awaitClosed(source, 1);
        assertEquals(0, source.readsAfterClose(), "read after close");
    }

    @Test
    void anHttp2ClientThatCancelsTheStreamGetsTheBodyClosedAndKeepsItsConnection() throws Exception {
        HttpResponse<InputStream> response = http2.send(
                HttpRequest.newBuilder(server.https("/bytes?size=-1")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(HttpClient.Version.HTTP_2, response.version());
        Pattern.PatternStream source;
        try (InputStream in = response.body()) {
            in.readNBytes(64 * 1024);
            source = ROUTE.opened.take();
        }
        awaitClosed(source, 1);

        HttpResponse<InputStream> next = http2.send(
                HttpRequest.newBuilder(server.https("/bytes?size=100000")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(Pattern.digest(100_000), Pattern.digest(next.body()));
        ROUTE.opened.take();
    }

    @Test
    void anExecutorThatRejectsTheWorkGets503AndTheBodyClosedUnread() throws Exception {
        HttpResponse<String> response = http1.send(
                HttpRequest.newBuilder(server.http("/rejecting")).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(503, response.statusCode());
        assertTrue(REJECTED_BODY.closed.await(5, TimeUnit.SECONDS));
        assertEquals(0, REJECTED_BODY.reads.get());
        assertEquals(1, REJECTED_BODY.closes.get());
    }

    private static void awaitClosed(Pattern.PatternStream source, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!source.isClosed()) {
            assertTrue(System.nanoTime() < deadline, "the body was not closed within " + seconds + " s");
            Thread.onSpinWait();
        }
    }

    /** Records what the pump does with it. */
    static final class RecordingBody implements StreamingBody {
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public int read(ByteBuffer dst) {
            reads.incrementAndGet();
            return -1;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            closed.countDown();
        }
    }
}
