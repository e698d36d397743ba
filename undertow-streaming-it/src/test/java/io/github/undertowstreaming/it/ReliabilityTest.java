package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.CloseRecorder;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.StopReading;
import io.github.undertowstreaming.it.support.TestBody;
import io.github.undertowstreaming.it.support.Waits;

/**
 * The reliability options (max-streams, read-timeout, write-timeout), per-handler statistics and
 * their MBean, and bodies that misbehave, each with a defined outcome. Failure paths run over the
 * four protocols and check the whole contract, as {@link EdgeCasesTest} does.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class ReliabilityTest extends ContractTestBase {

    private static final Duration NEVER = Duration.ofSeconds(30);

    /** Adds a route whose own {@link AsyncStreamingHandler} has {@code options}: the innermost handler's apply. */
    private void streamRoute(String path, StreamingOptions options, Supplier<TestBody> factory) {
        server.route(path, new AsyncStreamingHandler(exchange -> send(exchange, factory.get()), options));
    }

    // ---- max-streams ----

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aStreamBeyondMaxStreamsGets503WithRetryAfterAndItsBodyClosedUnread(Protocol protocol) throws Exception {
        server.close();
        server = EdgeServer.start(4, b -> { });
        StreamingOptions options = StreamingOptions.builder().maxStreams(1).build();
        // one handler, so one limit, for both: /limited holds its read open, /limited/after does not
        server.route("/limited", new AsyncStreamingHandler(exchange -> send(exchange,
                exchange.getRequestPath().endsWith("/after") ? new TestBody("after the limit").size(1000)
                        : new TestBody("body held open").size(1000).slowAfter(0, NEVER)), options));
        Curl.Running first = curl(Protocol.HTTP_1_1, "/limited").maxTime(Duration.ofSeconds(20)).start();
        TestBody held = takeSent();
        Waits.await(() -> held.reads() > 0, Duration.ofSeconds(5), () -> "the first stream never started reading");

        Curl.Result r = curl(protocol, "/limited").run();
        TestBody refused = takeSent();
        refused.closes().assertClosedOnceNotOnIoThread(SETTLE); // while the first is still held

        held.release(); // its read fails now, the first stream ends, and its place is free
        first.await();
        assertContract(refused, protocol, "/limited",
                () -> assertEquals(503, r.status(), () -> "status; " + r),
                () -> assertEquals("1", r.header("retry-after"), () -> "Retry-After; " + r),
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(0, refused.reads(), "reads of the refused body"));
        Curl.Result again = curl(protocol, "/limited/after").run();
        assertEquals(200, again.status(), () -> "a stream after the held one ended; " + again);
    }

    // ---- read-timeout ----

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aFirstReadLongerThanTheReadTimeoutGets500AndTheBodyCancelled(Protocol protocol) throws Exception {
        StreamingOptions options = StreamingOptions.builder().readTimeout(Duration.ofMillis(300)).build();
        streamRoute("/stuck", options, () -> new TestBody("body stuck in its first read").size(1000).slowAfter(0, NEVER));
        Curl.Result r = curl(protocol, "/stuck").maxTime(Duration.ofSeconds(10)).run();
        TestBody body = takeSent();
        assertContract(body, protocol, "/stuck",
                () -> assertEquals(500, r.status(), () -> "status; " + r),
                () -> assertFalse(r.patternBody(), () -> "no body bytes; " + r),
                () -> assertTrue(r.elapsedNanos() < TimeUnit.SECONDS.toNanos(3), () -> "answered soon after 300 ms; " + r));
    }

    /**
     * The first read outlives the read timeout, swallows the interrupt and returns data: the
     * failure (500) is answered, and the pump never takes the response channel under it.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aFirstReadThatSwallowsTheReadTimeoutsInterruptAndReturnsDataStillGets500AndCompletes(Protocol protocol)
            throws Exception {
        StreamingOptions options = StreamingOptions.builder().readTimeout(Duration.ofMillis(300)).build();
        streamRoute("/deaf", options, () -> new TestBody("body deaf to its interrupt").size(100_000)
                .maxRead(16 * 1024).slowFirstRead(Duration.ofMillis(800)).deafToInterrupts());
        Curl.Result r = curl(protocol, "/deaf").maxTime(Duration.ofSeconds(10)).run();
        TestBody body = takeSent();
        assertContract(body, protocol, "/deaf",
                () -> assertEquals(500, r.status(), () -> "status; " + r),
                () -> assertFalse(r.patternBody(), () -> "no body bytes; " + r));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aReadLongerThanTheReadTimeoutMidBodyIsSeenIncompleteByTheClient(Protocol protocol) throws Exception {
        StreamingOptions options = StreamingOptions.builder().readTimeout(Duration.ofMillis(300)).build();
        streamRoute("/stuck", options, () -> new TestBody("body stuck after 64 KiB").size(1_000_000)
                .maxRead(16 * 1024).length(TestBody.Length.KNOWN).slowAfter(64 * 1024, NEVER));
        Curl.Result r = curl(protocol, "/stuck").maxTime(Duration.ofSeconds(10)).run();
        TestBody body = takeSent();
        assertContract(body, protocol, "/stuck",
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertIncompleteSeen(r),
                () -> assertTrue(r.bodyBytes() < 1_000_000, () -> "body bytes; " + r));
    }

    // ---- write-timeout ----

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aClientThatTakesNoBytesForTheWriteTimeoutIsDroppedAndItsBufferReturned(Protocol protocol) throws Exception {
        server.close();
        server = EdgeServer.start(b -> b.setSocketOption(Options.SEND_BUFFER, 16 * 1024));
        StreamingOptions options = StreamingOptions.builder().writeTimeout(Duration.ofMillis(500)).build();
        streamRoute("/big", options, () -> new TestBody("body for a client that stops reading").size(256L << 20)
                .maxRead(16 * 1024).length(TestBody.Length.KNOWN));
        long stopped = StopReading.at(protocol, server, "/big",
                () -> !sent.isEmpty() && sent.peek().closes().isClosed());
        TestBody body = takeSent();
        assertContract(body, protocol, "/big",
                () -> assertTrue(System.nanoTime() - stopped < TimeUnit.SECONDS.toNanos(5),
                        "the client was dropped within a few seconds of 500 ms without taking a byte"));
    }

    // ---- bodies that misbehave ----

    /** What a misbehaving body does. */
    enum Misbehaviour {
        READ_THROWS_UNCHECKED, READ_THROWS_ERROR, LENGTH_THROWS, OPENER_THROWS, OPENER_RETURNS_NULL
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Misbehaviour.class)
    void aBodyThatMisbehavesBeforeItsFirstByteGets500WithNoStackTraceAndIsClosedOnce(Misbehaviour m) throws Exception {
        CloseRecorder closes = new CloseRecorder(m.toString());
        server.route("/bad", exchange -> Streaming.send(exchange, recorded(misbehaving(m, closes), closes)));
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(server.uri(Protocol.HTTP_1_1, "/bad")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertContract(closes, null, Protocol.HTTP_1_1, "/bad",
                () -> assertEquals(500, r.statusCode()),
                () -> assertNoInternals(r.body()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aBodyWhoseReadThrowsAnErrorMidStreamIsSeenIncompleteAndTheServerServesOn(Protocol protocol) throws Exception {
        CloseRecorder closes = new CloseRecorder("read throws an Error after 64 KiB");
        server.route("/error", exchange -> Streaming.send(exchange, new Scripted(closes) {
            private long position;

            @Override
            public int read(ByteBuffer dst) {
                if (position >= 64 * 1024) {
                    throw new ExpectedError("a body's bug");
                }
                int n = Math.min(dst.remaining(), 16 * 1024);
                position += fill(dst, n);
                return n;
            }
        }));
        Curl.Result r = curl(protocol, "/error").run();
        assertContract(closes, null, protocol, "/error",
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertIncompleteSeen(r));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aBodyWhoseCloseThrowsStillGivesAWholeResponse(Protocol protocol) throws Exception {
        CloseRecorder closes = new CloseRecorder("close throws");
        server.route("/close-throws", exchange -> Streaming.send(exchange, new Ending(closes, 100_000) {
            @Override
            public void close() throws IOException {
                super.close();
                throw new IOException("the source failed to close");
            }
        }));
        Curl.Result r = curl(protocol, "/close-throws").run();
        assertContract(closes, null, protocol, "/close-throws",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(Pattern.digest(100_000), r.digest(), () -> "body; " + r));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aBodyWhoseCloseBlocksStillGivesAWholeResponseAtOnce(Protocol protocol) throws Exception {
        CloseRecorder closes = new CloseRecorder("close blocks");
        CountDownLatch unblock = new CountDownLatch(1);
        server.route("/close-blocks", exchange -> Streaming.send(exchange, new Ending(closes, 100_000) {
            @Override
            public void close() throws IOException {
                super.close();
                try {
                    unblock.await(10, TimeUnit.SECONDS); // a close that hangs on its source
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }));
        try {
            Curl.Result r = curl(protocol, "/close-blocks").maxTime(Duration.ofSeconds(5)).run();
            assertContract(closes, null, protocol, "/close-blocks",
                    () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                    () -> assertEquals(Pattern.digest(100_000), r.digest(), () -> "body; " + r));
        } finally {
            unblock.countDown();
        }
    }

    // ---- statistics ----

    @Test
    void aNamedHandlersStatisticsCountWhatItsStreamsDidAndShowOverJmx() throws Exception {
        StreamingOptions options = StreamingOptions.builder().name("reliability-test").build();
        AsyncStreamingHandler handler = new AsyncStreamingHandler(exchange -> {
            boolean fail = exchange.getQueryParameters().containsKey("fail");
            TestBody body = new TestBody("counted").size(100_000).length(TestBody.Length.KNOWN);
            send(exchange, fail ? body.failAt(50_000) : body);
        }, options);
        server.route("/counted", handler);
        Curl.Result ok = curl(Protocol.HTTP_1_1, "/counted").run();
        Curl.Result failed = curl(Protocol.TLS_H2, "/counted?fail").run();
        assertEquals(0, ok.exitCode(), ok::toString);
        assertIncompleteSeen(failed);
        server.assertExchangesCompleted(SETTLE);

        Waits.await(() -> handler.statistics().inFlight() == 0, SETTLE, handler::toString);
        Streaming.Stats s = handler.statistics();
        assertEquals(2, s.started(), s::toString);
        assertEquals(1, s.finished(), s::toString);
        assertEquals(1, s.bodyFailures(), s::toString);
        assertEquals(1, s.failed(), s::toString);
        assertTrue(s.bytesSent() >= 100_000 && s.bytesSent() < 200_000, s::toString);

        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("io.github.undertowstreaming:type=AsyncStreamingHandler,name=reliability-test");
        assertEquals(1L, jmx.getAttribute(name, "StreamsFinished"));
        assertEquals(1L, jmx.getAttribute(name, "BodyFailures"));
        assertEquals(s.bytesSent(), jmx.getAttribute(name, "BytesSent"));
        assertEquals(0L, jmx.getAttribute(name, "StreamsInFlight"));
    }

    // ---- plumbing ----

    private static void assertNoInternals(String body) {
        assertFalse(body.contains("Exception") || body.contains("Error") || body.contains("at io.")
                || body.contains("misbehav"), () -> "the error page carries internals: " + body);
    }

    /** {@code body}, its closes recorded; a {@link Scripted} body records its own. */
    private static StreamingBody recorded(StreamingBody body, CloseRecorder closes) {
        if (body instanceof Scripted) {
            return body;
        }
        return new StreamingBody() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                return body.read(dst);
            }

            @Override
            public long length() {
                return body.length();
            }

            @Override
            public void close() throws IOException {
                closes.record();
                body.close();
            }
        };
    }

    private static StreamingBody misbehaving(Misbehaviour m, CloseRecorder closes) {
        switch (m) {
            case OPENER_THROWS:
                return StreamingBody.ofInputStream(() -> {
                    throw new IOException("misbehaving opener");
                });
            case OPENER_RETURNS_NULL:
                return StreamingBody.ofInputStream(() -> null);
            default:
                return new Scripted(closes) {
                    @Override
                    public int read(ByteBuffer dst) {
                        if (m == Misbehaviour.READ_THROWS_UNCHECKED) {
                            throw new IllegalStateException("misbehaving read");
                        }
                        if (m == Misbehaviour.READ_THROWS_ERROR) {
                            throw new ExpectedError("misbehaving read");
                        }
                        return fill(dst, Math.min(dst.remaining(), 100));
                    }

                    @Override
                    public long length() {
                        if (m == Misbehaviour.LENGTH_THROWS) {
                            throw new IllegalStateException("misbehaving length");
                        }
                        return -1;
                    }
                };
        }
    }

    /** A body of the test's making that records its closes. */
    private abstract static class Scripted implements StreamingBody {
        private final CloseRecorder closes;
        private long written;

        Scripted(CloseRecorder closes) {
            this.closes = closes;
        }

        /** Puts {@code n} pattern bytes into {@code dst}; returns n. */
        int fill(ByteBuffer dst, int n) {
            for (int i = 0; i < n; i++) {
                dst.put((byte) ((written + i) % 251)); // byte i of a pattern body is i % 251
            }
            written += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            closes.record();
        }
    }

    /** A well-behaved body of {@code size} pattern bytes, to be given a misbehaving close. */
    private abstract static class Ending extends Scripted {
        private final long size;
        private long position;

        Ending(CloseRecorder closes, long size) {
            super(closes);
            this.size = size;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), Math.min(16 * 1024, size - position));
            position += fill(dst, n);
            return n;
        }

        @Override
        public long length() {
            return size;
        }
    }

    /** An Error thrown on purpose, so that the logs tell it from a real one. */
    private static final class ExpectedError extends Error {
        ExpectedError(String message) {
            super(message);
        }
    }
}
