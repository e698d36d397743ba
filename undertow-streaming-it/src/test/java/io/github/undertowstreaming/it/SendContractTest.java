package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.RawHttp;
import io.github.undertowstreaming.it.support.TestServer;
import io.undertow.Handlers;
import io.undertow.server.handlers.BlockingHandler;

/** Where {@link Streaming#send} may be called from, what it refuses, and the body adapters. */
class SendContractTest {

    private static final long SIZE = 300_000;
    private static final CompletableFuture<String> THREAD_OF_IO_SEND = new CompletableFuture<>();
    private static final CompletableFuture<Boolean> WORKER_SEND_IN_IO_THREAD = new CompletableFuture<>();
    private static final CompletableFuture<String> SECOND_SEND = new CompletableFuture<>();
    private static final CompletableFuture<String> SEND_AFTER_START = new CompletableFuture<>();
    private static final AtomicBoolean HEAD_BODY_OPENED = new AtomicBoolean();
    private static final CountDownLatch HEAD_BODY_CLOSED = new CountDownLatch(1);
    private static ExecutorService elsewhere;
    private static TestServer server;
    private static HttpClient http;

    @BeforeAll
    static void startServer() {
        elsewhere = Executors.newSingleThreadExecutor();
        server = TestServer.start(new AsyncStreamingHandler(Handlers.path()
                .addPrefixPath("/io", exchange -> {
                    THREAD_OF_IO_SEND.complete(Thread.currentThread().getName());
                    Streaming.send(exchange, StreamingBody.of(Pattern.stream(SIZE), SIZE));
                })
                .addPrefixPath("/worker", new BlockingHandler(exchange -> {
                    WORKER_SEND_IN_IO_THREAD.complete(exchange.isInIoThread());
                    Streaming.send(exchange, StreamingBody.of(Pattern.stream(SIZE)));
                }))
                .addPrefixPath("/elsewhere", exchange -> exchange.dispatch(elsewhere,
                        () -> CompletableFuture.runAsync(
                                () -> Streaming.send(exchange, StreamingBody.of(Channels.newChannel(Pattern.stream(SIZE)))))))
                .addPrefixPath("/twice", exchange -> {
                    Streaming.send(exchange, StreamingBody.of(Pattern.stream(SIZE), SIZE));
                    try {
                        Streaming.send(exchange, StreamingBody.of(Pattern.stream(SIZE), SIZE));
                    } catch (IllegalStateException e) {
                        SECOND_SEND.complete(e.getMessage());
                    }
                })
                .addPrefixPath("/started", exchange -> {
                    exchange.getResponseChannel();
                    try {
                        Streaming.send(exchange, StreamingBody.of(Pattern.stream(SIZE)));
                    } catch (IllegalStateException e) {
                        SEND_AFTER_START.complete(e.getMessage());
                    }
                    exchange.endExchange();
                })
                .addPrefixPath("/head", exchange -> Streaming.send(exchange, new StreamingBody() {
                    @Override
                    public int read(java.nio.ByteBuffer dst) {
                        HEAD_BODY_OPENED.set(true);
                        return -1;
                    }

                    @Override
                    public long length() {
                        return SIZE;
                    }

                    @Override
                    public void close() {
                        HEAD_BODY_CLOSED.countDown();
                    }
                }))
                .addPrefixPath("/csv", exchange -> Streaming.send(exchange,
                        StreamingBody.ofChunks(() -> IntStream.range(0, 100_000).mapToObj(i -> i + ",item-" + i + "\n").iterator())))));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stopServer() {
        server.close();
        elsewhere.shutdownNow();
    }

    private static String get(String path) throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(server.http(path)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        return Pattern.digest(response.body());
    }

    @Test
    void aHandlerOnTheIoThreadCanSend() throws Exception {
        assertEquals(Pattern.digest(SIZE), get("/io"));
        assertTrue(THREAD_OF_IO_SEND.get().contains("I/O"), THREAD_OF_IO_SEND.get());
    }

    @Test
    void aHandlerOnAWorkerUnderBlockingHandlerCanSend() throws Exception {
        assertEquals(Pattern.digest(SIZE), get("/worker"));
        assertFalse(WORKER_SEND_IN_IO_THREAD.get());
    }

    @Test
    void anyThreadCanSendOnceTheHandlerHasDispatched() throws Exception {
        assertEquals(Pattern.digest(SIZE), get("/elsewhere"));
    }

    @Test
    void aSecondSendIsRefusedAndTheFirstBodyStillArrives() throws Exception {
        assertEquals(Pattern.digest(SIZE), get("/twice"));
        assertTrue(SECOND_SEND.get(5, TimeUnit.SECONDS).startsWith("UTSTREAM0102"), SECOND_SEND.get());
    }

    @Test
    void aSendAfterTheResponseStartedIsRefused() throws Exception {
        http.send(HttpRequest.newBuilder(server.http("/started")).build(), HttpResponse.BodyHandlers.discarding());
        assertTrue(SEND_AFTER_START.get(5, TimeUnit.SECONDS).startsWith("UTSTREAM0103"), SEND_AFTER_START.get());
    }

    @Test
    void aHeadRequestGetsTheLengthAndTheBodyIsClosedUnread() throws Exception {
        try (RawHttp client = RawHttp.connect(server.httpPort(), 0)) {
            client.request("HEAD", "/head");
            assertEquals(200, client.status());
            assertEquals(String.valueOf(SIZE), client.header("content-length"));
        }
        assertTrue(HEAD_BODY_CLOSED.await(5, TimeUnit.SECONDS));
        assertFalse(HEAD_BODY_OPENED.get());
    }

    @Test
    void rowsFromABlockingIteratorArriveAsCsv() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(server.http("/csv")).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        String[] lines = response.body().split("\n");
        assertEquals(100_000, lines.length);
        assertEquals("0,item-0", lines[0]);
        assertEquals("99999,item-99999", lines[99_999]);
    }

    @Test
    void aResponseOfUnknownLengthIsChunkedWhenTheRequestSaysConnectionClose() throws Exception {
        try (RawHttp client = RawHttp.connect(server.httpPort(), 0)) {
            client.get("/worker", "Connection: close");
            assertEquals("chunked", client.header("transfer-encoding"));
            assertEquals("close", client.header("connection"));
            byte[] body = client.body().readAllBytes();
            assertEquals(Pattern.digest(SIZE), Pattern.digest(new ByteArrayInputStream(body)));
        }
    }
}
