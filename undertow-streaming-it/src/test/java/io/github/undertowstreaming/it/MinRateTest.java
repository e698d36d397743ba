package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.H2c;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.RawHttp;
import io.github.undertowstreaming.it.support.TestBody;
import io.github.undertowstreaming.it.support.Waits;
import io.undertow.server.handlers.BlockingHandler;

/**
 * {@code min-rate} over the four protocols, with clients of the test's own: a trickle reader
 * (HTTP/1.1: a socket read 16 bytes at a time; HTTP/2: a frame client that grants 8 bytes of
 * window at a time) is dropped once the grace and a window of waiting have passed, for a stream
 * and for a dispatched exchange alike, with the failure contract's three checks; and a stream
 * whose source is slow, read by a fast client, is never dropped: the time a stream waits for its
 * own body does not count against the client. The attack tool's runs are {@link MinRateAttackTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class MinRateTest extends ContractTestBase {

    private static final long MIN_RATE = 1024;
    private static final Duration GRACE = Duration.ofMillis(500);
    /** The window: the grace's length, at least a second. */
    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final Duration SLACK = Duration.ofSeconds(3);
    /** Per tick of the trickle client: 8 bytes (of HTTP/2 window, or read on HTTP/1.1) every 100 ms. */
    private static final Duration TICK = Duration.ofMillis(100);

    private final ExecutorService dispatch = Executors.newCachedThreadPool();

    @AfterEach
    void stopDispatch() {
        dispatch.shutdownNow();
    }

    private static StreamingOptions.Builder minRate() {
        return StreamingOptions.builder().minRate(MIN_RATE).minRateGrace(GRACE);
    }

    enum Route { STREAM, DISPATCHED }

    /** Every protocol, for a stream (Streaming.send) and a dispatched exchange (transparent mode). */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> routes() {
        return java.util.Arrays.stream(Protocol.values()).flatMap(p -> java.util.Arrays.stream(Route.values())
                .map(r -> org.junit.jupiter.params.provider.Arguments.of(p, r)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @org.junit.jupiter.params.provider.MethodSource("routes")
    void aTrickleReaderIsDroppedAfterTheGraceAndAWindowAndEverythingIsGivenBack(Protocol protocol, Route route)
            throws Exception {
        server.close();
        server = EdgeServer.start(b -> b.setSocketOption(Options.SEND_BUFFER, 16 * 1024));
        long size = 64L << 20;
        java.util.concurrent.CompletableFuture<Throwable> writer = new java.util.concurrent.CompletableFuture<>();
        AsyncStreamingHandler handler;
        if (route == Route.STREAM) {
            handler = new AsyncStreamingHandler(exchange -> send(exchange,
                    new TestBody("body of a trickle reader").size(size).maxRead(16 * 1024)), minRate().build());
        } else {
            handler = new AsyncStreamingHandler(new BlockingHandler(exchange -> {
                try (InputStream in = Pattern.stream(size); OutputStream out = exchange.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException e) {
                    writer.complete(e);
                    throw e;
                }
            }), minRate().dispatch(dispatch).build());
        }
        server.route("/slow", handler);
        java.util.function.BooleanSupplier dropped = () -> handler.statistics().tooSlow()
                + handler.statistics().dispatchedTooSlow() > 0;
        long t0 = System.nanoTime();
        String seen = protocol.isHttp2() ? trickleHttp2(protocol, "/slow") : trickleHttp1("/slow", dropped);
        long took = System.nanoTime() - t0;
        System.out.printf(Locale.ROOT, "[min-rate] %s, %s: the trickle reader saw %s after %s%n", protocol, route, seen,
                Waits.seconds(took));
        assertTrue(took < GRACE.plus(WINDOW).plus(SLACK).toNanos(), () -> "dropped after " + Waits.seconds(took)
                + ", not within grace + window + slack");
        if (route == Route.STREAM) {
            TestBody body = takeSent();
            assertContract(body, protocol, "/slow", () -> assertTrue(seen.startsWith("dropped"), seen));
        } else {
            Throwable t = writer.get(5, TimeUnit.SECONDS);
            assertTrue(t instanceof IOException && String.valueOf(t.getMessage()).contains("min-rate"),
                    () -> "the blocked write threw " + t);
            assertTrue(seen.startsWith("dropped"), seen);
            server.assertSaw(protocol, "/slow");
            server.assertExchangesCompleted(SETTLE);
            server.assertLimiterFree();
            server.assertBuffersBack(SETTLE);
        }
    }

    /**
     * HTTP/1.1: reads 8 bytes every tick through a small socket buffer (the client's 8 KiB stream
     * buffer takes from the socket only when it is empty: 8 KiB every 10 s) until the server has
     * dropped it, then reads on at full speed to see how the body ends: the reset reaches a
     * reader only after the bytes queued before it, as with any TCP client.
     */
    private String trickleHttp1(String path, java.util.function.BooleanSupplier droppedByServer) throws IOException {
        try (RawHttp c = RawHttp.connect(server.httpPort(), 4096)) {
            c.get(path);
            InputStream in = c.raw();
            byte[] b = new byte[8];
            long deadline = System.nanoTime() + GRACE.plus(WINDOW).plus(SLACK).plusSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                if (droppedByServer.getAsBoolean()) {
                    b = new byte[64 * 1024];
                }
                int n;
                try {
                    n = in.read(b);
                } catch (IOException e) {
                    return "dropped: " + e;
                }
                if (n < 0) {
                    return "dropped: the connection closed";
                }
                if (b.length == 8) {
                    LockSupport.parkNanos(TICK.toNanos()); // the client's pace, not a wait for an event
                }
            }
            return "never dropped";
        }
    }

    /**
     * HTTP/2: announces a stream window of 64 bytes, then grants 8 bytes more to the stream and
     * the connection every tick, reading frames on a thread of its own, until the stream is reset
     * or the connection goes.
     */
    private String trickleHttp2(Protocol protocol, String path) throws Exception {
        int port = server.uri(protocol, "/").getPort();
        try (H2c c = H2c.open(protocol, port, 64, path)) {
            BlockingQueue<Object> frames = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try {
                    for (;;) {
                        frames.add(c.read(Duration.ofSeconds(30)));
                    }
                } catch (IOException e) {
                    frames.add(e);
                }
            }, "trickle-h2-reader");
            reader.setDaemon(true);
            reader.start();
            long deadline = System.nanoTime() + GRACE.plus(WINDOW).plus(SLACK).plusSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                Object f = frames.poll(TICK.toMillis(), TimeUnit.MILLISECONDS);
                if (f instanceof IOException) {
                    return "dropped: the connection ended: " + f;
                }
                if (f instanceof H2c.Frame frame) {
                    if (frame.type() == H2c.RST_STREAM && frame.stream() == 1) {
                        return "dropped: RST_STREAM";
                    }
                    if (frame.type() == H2c.GOAWAY) {
                        return "dropped: GOAWAY";
                    }
                    continue;
                }
                try {
                    c.windowUpdate(1, 8);
                    c.windowUpdate(0, 8);
                } catch (IOException e) {
                    return "dropped: " + e;
                }
            }
            return "never dropped";
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aSlowSourceReadByAFastClientIsNeverDroppedWhateverTheMinimumRate(Protocol protocol) throws Exception {
        // a minimum no slow source could meet if its own time counted: 1 MiB/s, after 200 ms
        StreamingOptions options = StreamingOptions.builder().minRate(1L << 20).minRateGrace(Duration.ofMillis(200)).build();
        AsyncStreamingHandler handler = new AsyncStreamingHandler(exchange -> send(exchange,
                new TestBody("a slow source").size(128 * 1024).maxRead(8 * 1024).length(TestBody.Length.KNOWN)
                        .slowAfter(0, Duration.ofMillis(80))), options);
        server.route("/slow-source", handler);
        Curl.Result r = curl(protocol, "/slow-source").maxTime(Duration.ofSeconds(20)).run();
        TestBody body = takeSent();
        assertContract(body, protocol, "/slow-source",
                () -> assertEquals(0, r.exitCode(), r::toString),
                () -> assertEquals(128 * 1024, r.bodyBytes(), r::toString));
        assertEquals(0, handler.statistics().tooSlow(), () -> "dropped as too slow: " + handler.statistics());
        assertEquals(1, handler.statistics().finished());
    }
}
