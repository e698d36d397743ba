package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.H2c;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.TestBody;
import io.github.undertowstreaming.it.support.Waits;

/**
 * The stream's own timeouts ({@code read-timeout}, {@code write-timeout}), kept by its watch on
 * the IO thread: each fires when, and only when, what it bounds took too long. Over the four
 * protocols, with the contract's checks.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class StreamTimeoutsTest extends ContractTestBase {

    /** The stream window the HTTP/2 clients of the final-flush tests grant, and never more unless said. */
    private static final int WINDOW = 40_000;
    /** Their body: two chunks of two 16 KiB buffers go out whole; the last 10,000 bytes straddle the window. */
    private static final long SIZE = 2 * 16 * 1024 + 10_000;

    /** Adds a route whose own {@link AsyncStreamingHandler} has {@code options}. */
    private void streamRoute(String path, StreamingOptions options, Supplier<TestBody> factory) {
        server.route(path, new AsyncStreamingHandler(exchange -> send(exchange, factory.get()), options));
    }

    /**
     * The read timeout times each call into the body from that call's start. A read of 700 ms
     * fills the chunk's first buffer; taking the chunk's second buffer from the pool then takes
     * 1.5 s (a slow pool, made so here), while the reader's thread is published: the watch used to
     * time that from the start of the read before, and failed the stream with a read timeout of
     * 1 s though no read ever took longer than 700 ms.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aReadIsTimedFromItsOwnStartNotFromTheReadBeforeIt(Protocol protocol) throws Exception {
        AtomicInteger pumpAllocations = new AtomicInteger();
        server.pool().beforeAllocate(() -> {
            if (calledFromThePump() && pumpAllocations.incrementAndGet() == 2) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1500)); // a slow pool, not a wait
            }
        });
        StreamingOptions options = StreamingOptions.builder().readTimeout(Duration.ofSeconds(1)).build();
        streamRoute("/clock", options, () -> new TestBody("64 KiB body whose first read takes 700 ms")
                .size(64 * 1024).maxRead(16 * 1024).slowFirstRead(Duration.ofMillis(700)));
        Curl.Result r = curl(protocol, "/clock").maxTime(Duration.ofSeconds(10)).run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/clock",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertEquals(Pattern.digest(64 * 1024), r.digest(), () -> "body; " + r));
    }

    /**
     * The write timeout covers the final flush. The client grants a stream window of 40,000 bytes
     * and never more, so that it takes no bytes just before the end: the last 10,000 of the body's
     * 42,768 fit in the HTTP/2 stream's buffer, the pump's last write succeeds, and only the final
     * flush (the last DATA frame, with END_STREAM) waits for window. That wait had no write timeout
     * (the watch stopped as the pump counted the stream finished, before the flush): the client was
     * never dropped, the exchange never completed. Now it is dropped (RST_STREAM) after the write
     * timeout, its body closed and its buffers back, counted as a timeout, not as finished.
     *
     * <p>HTTP/2 only, the three ways in: there flow control holds the end of every response. On
     * HTTP/1.1 the final flush holds at most the end of a chunked body ({@code 0\r\n\r\n}, and a
     * separator), which waits only if the last data exactly filled the socket: the same code path,
     * but nothing a test can arrange.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Protocol.class, names = {"H2C_PRIOR_KNOWLEDGE", "H2C_UPGRADE", "TLS_H2"})
    void aClientThatStopsTakingBytesJustBeforeTheEndIsDroppedAfterTheWriteTimeout(Protocol protocol)
            throws Exception {
        AsyncStreamingHandler handler = endRoute(Duration.ofMillis(500));
        Dropped d;
        try (H2c client = H2c.open(protocol, server.uri(protocol, "/").getPort(), WINDOW, "/end")) {
            d = readStream(client, Duration.ofSeconds(10));
        }
        TestBody body = takeSent();

        assertContract(body, protocol, "/end",
                () -> assertEquals(200, d.status, () -> "status; " + d),
                () -> assertEquals(WINDOW, d.bytes, () -> "the client took its window's worth; " + d),
                () -> assertNull(d.end, () -> "how the stream ended; " + d),
                () -> assertTrue(d.reset != 0 && d.reset - d.windowUsedUp < TimeUnit.SECONDS.toNanos(3),
                        () -> "RST_STREAM within a few seconds of the window's end, with a write timeout of 500 ms; " + d),
                () -> {
                    Streaming.Stats stats = handler.statistics();
                    assertEquals(1, stats.timeouts(), () -> "a timeout; " + stats);
                    assertEquals(0, stats.finished(), () -> "not finished; " + stats);
                    assertEquals(0, stats.inFlight(), () -> "none in flight; " + stats);
                });
    }

    /**
     * The other side of the same wait: a stream is counted finished when its final flush is done,
     * not before. The client takes its window's worth, then, while nothing is counted, grants the
     * rest: the body ends whole, and only then is the stream finished.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Protocol.class, names = {"H2C_PRIOR_KNOWLEDGE", "H2C_UPGRADE", "TLS_H2"})
    void aStreamIsCountedFinishedOnlyOnceItsFinalFlushIsDone(Protocol protocol) throws Exception {
        AsyncStreamingHandler handler = endRoute(Duration.ofSeconds(10));
        Dropped held;
        Dropped rest;
        boolean countedEarly;
        try (H2c client = H2c.open(protocol, server.uri(protocol, "/").getPort(), WINDOW, "/end")) {
            held = readStream(client, Duration.ofMillis(500)); // the window's worth, then nothing
            // a negative check, with a deadline: the stream must not be counted while its end waits
            countedEarly = Waits.poll(() -> handler.statistics().finished() > 0, Duration.ofMillis(300));
            client.windowUpdate(0, (int) SIZE);
            client.windowUpdate(1, (int) SIZE);
            rest = readStream(client, Duration.ofSeconds(10));
        }
        TestBody body = takeSent();
        Dropped end = rest;

        assertContract(body, protocol, "/end",
                () -> assertEquals(WINDOW, held.bytes, () -> "the window's worth first; " + held),
                () -> assertFalse(countedEarly, () -> "counted finished while its last DATA frame waited; "
                        + handler.statistics()),
                () -> assertEquals("END_STREAM: the body ended whole", end.end, () -> "the rest; " + end),
                () -> assertEquals(SIZE, WINDOW + end.bytes, () -> "body bytes; " + end),
                () -> {
                    Waits.await(() -> handler.statistics().finished() == 1, SETTLE,
                            () -> "counted finished; " + handler.statistics());
                    assertEquals(0, handler.statistics().failed(), () -> "no failure; " + handler.statistics());
                });
    }

    private AsyncStreamingHandler endRoute(Duration writeTimeout) {
        StreamingOptions options = StreamingOptions.builder().writeTimeout(writeTimeout).build();
        AsyncStreamingHandler handler = new AsyncStreamingHandler(exchange -> send(exchange,
                new TestBody("body whose end waits for the client's window").size(SIZE).maxRead(16 * 1024)), options);
        server.route("/end", handler);
        return handler;
    }

    /**
     * Reads stream 1's frames until it ends (RST_STREAM, or DATA with END_STREAM) or nothing
     * comes for {@code quiet}; grants no window.
     */
    private static Dropped readStream(H2c client, Duration quiet) throws IOException {
        Dropped d = new Dropped();
        for (;;) {
            H2c.Frame f;
            try {
                f = client.read(quiet);
            } catch (SocketTimeoutException e) {
                d.end = "nothing for " + quiet.toMillis() + " ms: the server never dropped the client";
                return d;
            }
            if (f.stream() != 1) {
                continue;
            }
            if (f.type() == H2c.HEADERS) {
                d.status = f.status();
            } else if (f.type() == H2c.DATA) {
                d.bytes += f.payload().length;
                if (d.bytes >= WINDOW && d.windowUsedUp == 0) {
                    d.windowUsedUp = System.nanoTime();
                }
                if (f.has(H2c.END_STREAM)) {
                    d.end = "END_STREAM: the body ended whole";
                    return d;
                }
            } else if (f.type() == H2c.RST_STREAM) {
                d.reset = System.nanoTime();
                return d;
            }
        }
    }

    /** What the client that stopped granting window saw. */
    private static final class Dropped {
        int status = -1;
        long bytes;
        long windowUsedUp;
        long reset;
        String end;

        @Override
        public String toString() {
            return "status " + status + ", " + bytes + " DATA bytes, "
                    + (reset != 0 ? "RST_STREAM " + Waits.seconds(reset - windowUsedUp) + " after the window's end"
                            : "no RST_STREAM") + (end == null ? "" : ", " + end);
        }
    }

    /** Whether the pump's ring takes this buffer ({@code Pump.buffer}). */
    private static boolean calledFromThePump() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(
                f -> f.getClassName().equals("io.github.undertowstreaming.internal.Pump")
                        && f.getMethodName().equals("buffer")));
    }
}
