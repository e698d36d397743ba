package io.github.undertowstreaming.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.PatternRoute;
import io.github.undertowstreaming.it.support.TestServer;
import io.undertow.Handlers;
import io.undertow.predicate.Predicates;
import io.undertow.server.handlers.ResponseRateLimitingHandler;
import io.undertow.server.handlers.encoding.ContentEncodingRepository;
import io.undertow.server.handlers.encoding.EncodingHandler;
import io.undertow.server.handlers.encoding.GzipEncodingProvider;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;

/** The library among the handlers it meets in real chains. */
class HandlerChainTest {

    private static final AtomicInteger TASKS = new AtomicInteger();
    private static ExecutorService executor;
    private static TestServer server;
    private static HttpClient http;

    @BeforeAll
    static void startServer() {
        executor = Executors.newFixedThreadPool(4);
        PatternRoute route = new PatternRoute();
        StreamingOptions options = StreamingOptions.builder()
                .executor(task -> {
                    TASKS.incrementAndGet();
                    executor.execute(task);
                })
                .skip(Predicates.or(StreamingOptions.upgradeRequests(), Predicates.prefix("/skipped")))
                .build();
        server = TestServer.start(new AsyncStreamingHandler(Handlers.path()
                .addPrefixPath("/bytes", route)
                .addPrefixPath("/skipped/bytes", route)
                .addPrefixPath("/gzip/bytes", new EncodingHandler(route, new ContentEncodingRepository()
                        .addEncodingHandler("gzip", new GzipEncodingProvider(), 50)))
                .addPrefixPath("/limited/bytes", new ResponseRateLimitingHandler(route, 16 * 1024, 20, TimeUnit.MILLISECONDS))
                .addPrefixPath("/ws", Handlers.websocket((exchange, channel) -> {
                    channel.getReceiveSetter().set(new AbstractReceiveListener() {
                        @Override
                        protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                            WebSockets.sendText(message.getData(), ch, null);
                        }
                    });
                    channel.resumeReceives();
                })), options));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stopServer() {
        server.close();
        executor.shutdownNow();
    }

    @ParameterizedTest(name = "length known: {0}")
    @ValueSource(booleans = {true, false})
    void aGzipEncodingHandlerInsideCompressesTheStream(boolean known) throws Exception {
        long size = 3L << 20;
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(server.http("/gzip/bytes?size=" + size + "&known=" + known))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofInputStream());

        assertEquals(200, response.statusCode());
        assertEquals("gzip", response.headers().firstValue("content-encoding").orElse(null));
        // either chunked, or the gzip conduit's own length when all of it fit in one buffer
        assertTrue(response.headers().firstValueAsLong("content-length").orElse(-1) != size,
                "the raw length must not stand for the gzip length");
        try (InputStream in = new GZIPInputStream(response.body())) {
            assertEquals(Pattern.digest(size), Pattern.digest(in));
        }
    }

    @Test
    void aRateLimitingHandlerThatRefusesWritesDoesNotLoseAByte() throws Exception {
        long size = 512 * 1024;
        long t0 = System.nanoTime();
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(server.http("/limited/bytes?size=" + size)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        String digest = Pattern.digest(response.body());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertEquals(Pattern.digest(size), digest);
        // 16 KiB per 20 ms: the channel refused writes most of the time (a lower bound, not a race)
        assertTrue(millis >= 500, "the limit did not apply: " + millis + " ms");
    }

    @Test
    void aWebSocketEchoPassesStraightThrough() throws Exception {
        CompletableFuture<String> echo = new CompletableFuture<>();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.httpPort() + "/ws"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        echo.complete(data.toString());
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("hello through async-streaming", true);

        assertEquals("hello through async-streaming", echo.get(10, TimeUnit.SECONDS));
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "length known: {0}")
    @ValueSource(booleans = {true, false})
    void aStreamingRouteAskedForAForgedUpgradeStillSendsTheWholeBody(boolean known) throws Exception {
        long size = 1L << 20;
        byte[] body = given().header("Upgrade", "websocket")
                .get(server.http("/bytes?size=" + size + "&known=" + known))
                .then().statusCode(200).extract().asByteArray();

        assertEquals(size, body.length);
        assertEquals(Pattern.digest(size), Pattern.digest(new ByteArrayInputStream(body)));
    }

    @Test
    void theSkipListPassesMatchingExchangesThroughWithoutOptions() throws Exception {
        long size = 200_000;
        int before = TASKS.get();
        given().get(server.http("/skipped/bytes?size=" + size)).then().statusCode(200);
        assertEquals(before, TASKS.get(), "a skipped exchange streams with the defaults: the XNIO worker");

        byte[] body = given().get(server.http("/bytes?size=" + size)).then().statusCode(200).extract().asByteArray();
        assertEquals(Pattern.digest(size), Pattern.digest(new ByteArrayInputStream(body)));
        assertTrue(TASKS.get() > before, "an exchange that is not skipped uses the configured executor");
    }
}
