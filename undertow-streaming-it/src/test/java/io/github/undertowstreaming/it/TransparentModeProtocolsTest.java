package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.undertow.server.handlers.BlockingHandler;

/**
 * Transparent mode over the four protocols: a {@code BlockingHandler} route writing to
 * {@code getOutputStream()}, dispatched by the library, read by a client slow enough that the
 * writer waits for the socket (parked on HTTP/1.1, plain and TLS; Undertow's own wait on HTTP/2).
 * Platform threads as the dispatch executor, so that it runs on Java 17 too: the parked wait
 * does not depend on the thread being virtual.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class TransparentModeProtocolsTest extends ContractTestBase {

    private static final long SIZE = 4L << 20;
    private final ExecutorService dispatch = Executors.newCachedThreadPool();

    @AfterEach
    void stopDispatch() {
        dispatch.shutdownNow();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aBlockingRouteReadSlowlyArrivesWholeAndTheExchangeCompletes(Protocol protocol) throws Exception {
        server.close();
        server = EdgeServer.start(b -> b.setSocketOption(Options.SEND_BUFFER, 16 * 1024));
        server.route("/blocking", new AsyncStreamingHandler(new BlockingHandler(exchange -> {
            try (InputStream in = Pattern.stream(SIZE); OutputStream out = exchange.getOutputStream()) {
                in.transferTo(out);
            }
        }), StreamingOptions.builder().dispatch(dispatch).build()));
        Curl.Result r = curl(protocol, "/blocking").limitRate("4M").maxTime(Duration.ofSeconds(30)).run();
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(protocol.curlVersion(), r.httpVersion(), r::toString);
        assertEquals(Pattern.digest(SIZE), r.digest(), r::toString);
        server.assertSaw(protocol, "/blocking");
        server.assertExchangesCompleted(SETTLE);
        server.assertLimiterFree();
        server.assertBuffersBack(SETTLE);
    }

    /** Where the writer fails: after this many bytes of a body that would have had {@link #SIZE}. */
    private static final long FAILS_AT = 300_000;

    /** Whether the failing writer promised its length ({@code Content-Length}) or not (chunked on HTTP/1.1). */
    enum Length { KNOWN, UNKNOWN }

    /** How the failing writer treats its output stream. */
    enum Writer {
        /** The exception reaches Undertow with the stream open: Undertow closes it as it ends the exchange. */
        LEAVES_THE_STREAM_OPEN,
        /** A try-with-resources around the output stream closes it before the exception leaves the handler. */
        CLOSES_THE_STREAM_FIRST
    }

    /**
     * Every protocol, a writer that leaves its stream open with either length, and one that closes
     * it first with a length: the one that closes it first without a length cannot be told from a
     * writer that ended (see FailedWriterAbort), so its body looks complete.
     */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> failingWriters() {
        return java.util.Arrays.stream(Protocol.values()).flatMap(p -> java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(p, Writer.LEAVES_THE_STREAM_OPEN, Length.KNOWN),
                org.junit.jupiter.params.provider.Arguments.of(p, Writer.LEAVES_THE_STREAM_OPEN, Length.UNKNOWN),
                org.junit.jupiter.params.provider.Arguments.of(p, Writer.CLOSES_THE_STREAM_FIRST, Length.KNOWN)));
    }

    @ParameterizedTest(name = "{0}, {1}, {2} length")
    @MethodSource("failingWriters")
    void aBlockingWriterThatThrowsMidBodyIsSeenIncompleteAndTheExchangeCompletes(Protocol protocol, Writer writer,
            Length length) throws Exception {
        server.route("/fails", new AsyncStreamingHandler(new BlockingHandler(exchange -> {
            if (length == Length.KNOWN) {
                exchange.getResponseHeaders().put(io.undertow.util.Headers.CONTENT_LENGTH, SIZE);
            }
            if (writer == Writer.CLOSES_THE_STREAM_FIRST) {
                try (InputStream in = failingAt(Pattern.stream(SIZE), FAILS_AT); OutputStream out = exchange.getOutputStream()) {
                    in.transferTo(out);
                }
            } else {
                OutputStream out = exchange.getOutputStream();
                try (InputStream in = failingAt(Pattern.stream(SIZE), FAILS_AT)) {
                    in.transferTo(out);
                }
            }
        }), StreamingOptions.builder().dispatch(dispatch).build()));
        Curl.Result r = curl(protocol, "/fails").maxTime(Duration.ofSeconds(10)).run();
        System.out.println("[transparent]   " + protocol + ", " + writer + ", " + length + " length: " + r);
        assertEquals(200, r.status(), r::toString);
        assertIncompleteSeen(r);
        assertTrue(r.bodyBytes() < SIZE, r::toString);
        server.assertSaw(protocol, "/fails");
        server.assertExchangesCompleted(SETTLE);
        server.assertLimiterFree();
        server.assertBuffersBack(SETTLE);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aBlockingWriterThatThrowsBeforeItsFirstByteLeftGets500AsWithoutTheLibrary(Protocol protocol) throws Exception {
        server.route("/fails", new AsyncStreamingHandler(new BlockingHandler(exchange -> {
            OutputStream out = exchange.getOutputStream();
            out.write("a few bytes, still in the stream's buffer".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            throw new java.io.IOException("the source failed before the first flush");
        }), StreamingOptions.builder().dispatch(dispatch).build()));
        Curl.Result r = curl(protocol, "/fails").maxTime(Duration.ofSeconds(10)).run();
        assertEquals(500, r.status(), r::toString);
        assertEquals(0, r.exitCode(), r::toString);
        server.assertExchangesCompleted(SETTLE);
        server.assertLimiterFree();
        server.assertBuffersBack(SETTLE);
    }

    /** {@code in}, whose read past {@code at} bytes throws, as a source that fails half-way does. */
    private static InputStream failingAt(InputStream in, long at) {
        return new java.io.FilterInputStream(in) {
            private long read;

            @Override
            public int read() throws java.io.IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                if (read >= at) {
                    throw new java.io.IOException("the source failed at byte " + read);
                }
                int n = super.read(b, off, (int) Math.min(len, at - read));
                read += Math.max(n, 0);
                return n;
            }
        };
    }

    // ---- Streaming.send under dispatch=virtual: its bodies are read on virtual threads ----

    /** A handler with dispatch=virtual whose route sends {@code factory}'s body; Java 21+. */
    private void virtualReadRoute(String path, java.util.function.Supplier<io.github.undertowstreaming.it.support.TestBody> factory) {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() >= 21,
                "virtual threads need Java 21 or later; skipped on " + Runtime.version().feature());
        server.route(path, new AsyncStreamingHandler(exchange -> send(exchange, factory.get()),
                StreamingOptions.builder().dispatch(StreamingOptions.virtualThreads()).build()));
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> protocolsAndPaces() {
        return java.util.Arrays.stream(io.github.undertowstreaming.it.support.Protocol.values()).flatMap(p -> java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(p, Duration.ZERO),
                org.junit.jupiter.params.provider.Arguments.of(p, Duration.ofMillis(20))));
    }

    @ParameterizedTest(name = "{0}, {1} a read")
    @MethodSource("protocolsAndPaces")
    void aBodyReadOnVirtualThreadsThatFailsMidStreamIsSeenIncompleteAndClosedOnce(Protocol protocol, Duration pace)
            throws Exception {
        virtualReadRoute("/virtual-read", () -> new io.github.undertowstreaming.it.support.TestBody("failing on a virtual thread")
                .size(1 << 20).maxRead(16 * 1024).slowAfter(0, pace).failAt(256 * 1024));
        Curl.Result r = curl(protocol, "/virtual-read").maxTime(Duration.ofSeconds(20)).run();
        io.github.undertowstreaming.it.support.TestBody body = takeSent();
        assertContract(body, protocol, "/virtual-read", () -> assertIncompleteSeen(r));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aClientThatGoesAwayWhileAVirtualThreadsReadBlocksGetsTheBodyClosedWithinOneSecond(Protocol protocol)
            throws Exception {
        virtualReadRoute("/virtual-stuck", () -> new io.github.undertowstreaming.it.support.TestBody("stuck on a virtual thread")
                .size(-1).maxRead(16 * 1024).length(io.github.undertowstreaming.it.support.TestBody.Length.UNKNOWN)
                .slowAfter(32 * 1024, Duration.ofSeconds(3)));
        Curl.Result r = curl(protocol, "/virtual-stuck").maxTime(Duration.ofSeconds(1)).run();
        io.github.undertowstreaming.it.support.TestBody body = takeSent();
        assertContract(body, protocol, "/virtual-stuck",
                () -> assertEquals(CURL_TIMEOUT, r.exitCode(), () -> "curl ran into its --max-time of 1 s; " + r),
                () -> assertClosedSoonAfter(body, r.endedNanos(), "curl's exit"));
    }
}
