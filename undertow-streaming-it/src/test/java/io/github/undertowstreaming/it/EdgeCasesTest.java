package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.CloseRecorder;
import io.github.undertowstreaming.it.support.CountingPool;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.GivenSource;
import io.github.undertowstreaming.it.support.H2c;
import io.github.undertowstreaming.it.support.LogCapture;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.TestBody;
import io.github.undertowstreaming.it.support.Tls;
import io.github.undertowstreaming.it.support.Waits;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;

/**
 * Edge cases and failure paths of the failure contract (see the design notes), over HTTP/1.1,
 * h2c with prior knowledge, the h2c-upgraded first stream, and HTTPS with h2; real curl clients.
 *
 * <p>Every failure-path test checks three things: what the client saw (curl's exit code, status,
 * headers, body bytes); that the exchange completed (its completion listeners ran, and the
 * request limiter in front serves two more requests); and that the body was closed exactly
 * once, never on an IO thread, with every pooled buffer back once the client ended. The checks
 * run together ({@code assertAll}), so a failure lists every part of the contract it broke (the
 * limiter is asked only when the completion listeners ran: without them its permit is taken).
 * One server per test, so that a lost permit does not poison the next test. A line per test on
 * stdout ({@code [edge] PASS/FAIL ...}) names its parameters and each broken check.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class EdgeCasesTest extends ContractTestBase {

    private static final Duration CLOSE_DEADLINE = SETTLE;
    private static final Duration COMPLETION_DEADLINE = SETTLE;
    /** A slow source: one read blocks this long. */
    private static final Duration SLOW_READ = Duration.ofSeconds(2);
    /** The source of the disconnect tests: every read after the first 32 KiB blocks this long. */
    private static final Duration VERY_SLOW_READ = Duration.ofSeconds(3);

    private static final StreamingOptions REJECTING = StreamingOptions.builder().executor(task -> {
        throw new RejectedExecutionException("edge test: this executor takes nothing");
    }).build();

    /** Whether a source is fast, or slow (its failing read blocks {@link #SLOW_READ} first). */
    enum Speed { FAST, SLOW }

    // ---- the harness itself ----

    /** The control: a body that behaves, over every protocol, keeps every part of the contract. */
    @ParameterizedTest(name = "{0}, length {1}")
    @MethodSource("protocolsAndLengths")
    void aWellBehavedBodyArrivesWholeAndKeepsTheContract(Protocol protocol, TestBody.Length length) throws Exception {
        streamRoute("/whole", () -> new TestBody("1 MB body").size(1_000_000).maxRead(16 * 1024).length(length));
        Curl.Result r = curl(protocol, "/whole").run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/whole",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(protocol.curlVersion(), r.httpVersion(), () -> "HTTP version; " + r),
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertEquals(Pattern.digest(1_000_000), r.digest(), () -> "body; " + r));
    }

    static Stream<Arguments> protocolsAndLengths() {
        return Stream.of(Protocol.values()).flatMap(p -> Stream.of(Arguments.of(p, TestBody.Length.KNOWN),
                Arguments.of(p, TestBody.Length.UNKNOWN)));
    }

    @Test
    void theCountingPoolCountsEachBufferOnceAndDelegatesToItsPool() {
        CountingPool pool = server.pool();
        long before = pool.outstanding();
        assertTrue(pool.isDirect());
        assertEquals(CountingPool.BUFFER_SIZE, pool.getBufferSize());
        ByteBufferPool heap = pool.getArrayBackedPool();
        assertFalse(heap.isDirect());
        assertEquals(CountingPool.BUFFER_SIZE, heap.getBufferSize());
        assertSame(heap, pool.getArrayBackedPool());
        assertSame(heap, heap.getArrayBackedPool());
        PooledByteBuffer a = pool.allocate();
        PooledByteBuffer b = heap.allocate();
        assertTrue(a.getBuffer().isDirect());
        assertTrue(b.getBuffer().hasArray());
        assertEquals(before + 2, pool.outstanding(), "a direct and a heap buffer taken");
        a.close();
        a.close();
        assertFalse(a.isOpen());
        b.close();
        assertEquals(before, pool.outstanding(), "a second close does not count twice");
        assertTrue(pool.allocated() >= 2);
    }

    // ---- 1, 2: a body that fails after bytes went out ----

    /** The upgraded first stream has its own test below; slow sources on one protocol of each framing. */
    static Stream<Arguments> abortingProtocols() {
        return Stream.of(Arguments.of(Protocol.HTTP_1_1, Speed.FAST), Arguments.of(Protocol.HTTP_1_1, Speed.SLOW),
                Arguments.of(Protocol.H2C_PRIOR_KNOWLEDGE, Speed.FAST),
                Arguments.of(Protocol.TLS_H2, Speed.FAST), Arguments.of(Protocol.TLS_H2, Speed.SLOW));
    }

    @ParameterizedTest(name = "{0}, {1} source")
    @MethodSource("abortingProtocols")
    void aBodyThatFailsMidStreamIsSeenIncompleteAndTheExchangeCompletes(Protocol protocol, Speed speed)
            throws Exception {
        failMidStream(protocol, speed);
    }

    @ParameterizedTest(name = "{0} source")
    @EnumSource(Speed.class)
    void aBodyThatFailsMidStreamOnTheH2cUpgradedFirstStreamIsResetNotLeftHanging(Speed speed) throws Exception {
        failMidStream(Protocol.H2C_UPGRADE, speed);
    }

    /** 1 MB body that fails at byte 300,000 (fast: known length; slow: unknown, and the failing read blocks 2 s). */
    private void failMidStream(Protocol protocol, Speed speed) throws Exception {
        streamRoute("/fails", () -> {
            TestBody b = new TestBody("mid-stream failing body").size(1_000_000).maxRead(16 * 1024).failAt(300_000);
            return speed == Speed.SLOW
                    ? b.length(TestBody.Length.UNKNOWN).slowAfter(300_000, SLOW_READ)
                    : b.length(TestBody.Length.KNOWN);
        });
        // the failure comes at once (fast) or after one 2 s read (slow): curl has time to spare
        Curl.Result r = curl(protocol, "/fails").maxTime(SLOW_READ.plus(Duration.ofMillis(speed == Speed.SLOW
                ? 1500 : 0))).run();
        TestBody body = takeSent();
        System.out.println("[edge]   " + protocol + ", " + speed + ": " + r); // how curl reports the abort

        assertContract(body, protocol, "/fails",
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertIncompleteSeen(r),
                () -> assertTrue(r.bodyBytes() < 1_000_000, () -> "body bytes; " + r));
    }

    // ---- 3: a source given already open is closed even if never read ----

    @ParameterizedTest(name = "{0}")
    @EnumSource(GivenSource.class)
    void aSourceGivenOpenIsClosedOnAHeadRequestThoughNeverRead(GivenSource kind) throws Exception {
        BlockingQueue<CloseRecorder> sources = new LinkedBlockingQueue<>();
        server.route("/given", exchange -> {
            CloseRecorder closes = new CloseRecorder(kind + " given open");
            sources.add(closes);
            Streaming.send(exchange, kind.body(closes));
        });
        Curl.Result r = curl(Protocol.HTTP_1_1, "/given").head().run();
        CloseRecorder source = take(sources);

        assertContract(source, null, Protocol.HTTP_1_1, "/given",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(200, r.status(), () -> "status; " + r));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(GivenSource.class)
    void aSourceGivenOpenIsClosedWhenTheExecutorRejectsTheStream(GivenSource kind) throws Exception {
        BlockingQueue<CloseRecorder> sources = new LinkedBlockingQueue<>();
        server.route("/given", new AsyncStreamingHandler(exchange -> {
            CloseRecorder closes = new CloseRecorder(kind + " given open");
            sources.add(closes);
            Streaming.send(exchange, kind.body(closes));
        }, REJECTING));
        Curl.Result r = curl(Protocol.HTTP_1_1, "/given").run();
        CloseRecorder source = take(sources);

        assertContract(source, null, Protocol.HTTP_1_1, "/given",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(503, r.status(), () -> "status; " + r),
                () -> assertFalse(r.patternBody(), () -> "no body bytes; " + r));
    }

    // ---- 4: BlockingHandler, a request body left unread ----

    /**
     * HTTP/1.1 only (a raw socket): the request says 1000 bytes and sends 10, the handler never
     * reads them, the server's send buffer is small (16 KiB) and the client reads the 2 MiB
     * response slowly through an 8 KiB receive buffer. With an unknown length the response is
     * chunked, and only its terminating chunk tells the client it is whole.
     */
    @ParameterizedTest(name = "length {0}")
    @EnumSource(value = TestBody.Length.class, names = {"KNOWN", "UNKNOWN"})
    void aPostWhoseBodyIsNotReadUnderBlockingHandlerGetsItsWholeResponse(TestBody.Length length) throws Exception {
        server.close();
        server = EdgeServer.start(b -> b.setSocketOption(Options.SEND_BUFFER, 16384));
        // 2 MiB and one buffer: the last chunk is one full buffer and then the end, so that the
        // pump learns the end with its last bytes and, the socket being full, ends the exchange
        // from the write listener (an IO thread)
        long size = (2L << 20) + 16 * 1024;
        server.route("/blocking", new BlockingHandler(exchange -> send(exchange,
                new TestBody("2 MiB body under BlockingHandler").size(size).maxRead(16 * 1024).length(length))));

        SlowResponse r;
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(8192);
            s.setSoTimeout(2000);
            s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /blocking HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: 1000\r\n\r\n0123456789").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            r = SlowResponse.read(s.getInputStream());
        }
        TestBody body = takeSent();
        SlowResponse response = r;

        assertContract(body, Protocol.HTTP_1_1, "/blocking",
                () -> assertEquals(200, response.status, () -> "status; " + response),
                () -> assertTrue(response.complete, () -> "the whole response arrived; " + response),
                () -> assertEquals(size, response.bodyBytes, () -> "body bytes; " + response),
                () -> assertEquals(Pattern.digest(size), response.digest, () -> "body digest; " + response));
    }

    /**
     * A response read slowly (8 KiB reads, half a millisecond apart), framed by its Content-Length
     * or its chunks; {@code complete} if the framing said the body ended (the last chunk came).
     */
    private static final class SlowResponse {
        int status;
        Map<String, String> headers = new LinkedHashMap<>();
        long bodyBytes;
        String digest;
        boolean complete;
        String end = "";

        static SlowResponse read(InputStream in) throws IOException {
            SlowResponse r = new SlowResponse();
            MessageDigest md = Pattern.sha256();
            try {
                r.status = readHead(in, r.headers);
                if ("chunked".equalsIgnoreCase(r.headers.get("transfer-encoding"))) {
                    for (;;) {
                        String size;
                        try {
                            size = line(in);
                        } catch (EOFException e) {
                            throw new EOFException("the connection closed where the next chunk (or the last, empty"
                                    + " one) should begin");
                        }
                        long chunk = Long.parseLong(size.split(";")[0].trim(), 16);
                        if (chunk == 0) {
                            while (!line(in).isEmpty()) {
                                // trailers
                            }
                            r.complete = true;
                            break;
                        }
                        r.bodyBytes += copySlowly(in, chunk, md);
                        line(in);
                    }
                } else {
                    long length = Long.parseLong(r.headers.getOrDefault("content-length", "-1"));
                    r.bodyBytes = copySlowly(in, length < 0 ? Long.MAX_VALUE : length, md);
                    r.complete = r.bodyBytes == length;
                }
            } catch (SocketTimeoutException e) {
                r.end = "the server sent nothing for 2 s (the connection stayed open)";
            } catch (IOException e) {
                r.end = "the connection ended: " + e;
            }
            r.digest = HexFormat.of().formatHex(md.digest());
            return r;
        }

        private static long copySlowly(InputStream in, long n, MessageDigest md) throws IOException {
            byte[] buf = new byte[8192];
            long done = 0;
            while (done < n) {
                int k = in.read(buf, 0, (int) Math.min(buf.length, n - done));
                if (k < 0) {
                    if (n == Long.MAX_VALUE) {
                        break;
                    }
                    throw new EOFException((n - done) + " bytes short");
                }
                md.update(buf, 0, k);
                done += k;
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500)); // the slow reader's pace
            }
            return done;
        }

        @Override
        public String toString() {
            return "HTTP " + status + " " + headers + ", " + bodyBytes + " body bytes, "
                    + (complete ? "complete" : "incomplete: " + end);
        }
    }

    // ---- 5: 204 and 304 ----

    static Stream<Arguments> noBodyStatuses() {
        return Stream.of(Protocol.values())
                .flatMap(p -> Stream.of(Arguments.of(p, 204, TestBody.Length.UNKNOWN),
                        Arguments.of(p, 304, TestBody.Length.KNOWN)));
    }

    @ParameterizedTest(name = "{0}, {1}, length {2}")
    @MethodSource("noBodyStatuses")
    void aNoBodyStatusSetBeforeSendReadsNothingAndSendsNoBodyBytes(Protocol protocol, int status,
            TestBody.Length length) throws Exception {
        server.route("/nobody", exchange -> {
            exchange.setStatusCode(status);
            send(exchange, new TestBody(status + " body").size(1000).length(length));
        });
        Curl.Result r = curl(protocol, "/nobody").run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/nobody",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit (on HTTP/2, DATA after a " + status
                        + " is a protocol error); " + r),
                () -> assertEquals(status, r.status(), () -> "status; " + r),
                () -> assertEquals(0, r.bodyBytes(), () -> "body bytes; " + r),
                () -> assertEquals(0, body.reads(), () -> "reads of the body of a " + status + " response"));
    }

    // ---- 6: a Content-Length that disagrees with the body ----

    /** A header the handler sets (-1: none), the bytes the body has, and what its length() says. */
    enum Mismatch {
        HEADER_SHORTER_LENGTH_KNOWN(65_536, 100_000, 100_000),
        HEADER_LONGER_LENGTH_KNOWN(100_000, 65_536, 65_536),
        HEADER_SHORTER_LENGTH_UNKNOWN(65_536, 100_000, -1),
        HEADER_LONGER_LENGTH_UNKNOWN(100_000, 65_536, -1),
        BODY_LONGER_THAN_ITS_LENGTH(-1, 100_000, 65_536);

        final long header;
        final long size;
        final long reported;

        Mismatch(long header, long size, long reported) {
            this.header = header;
            this.size = size;
            this.reported = reported;
        }

        /** The mismatch can be known before the first byte: the handler's header and length() differ. */
        boolean knownBeforeFirstByte() {
            return header >= 0 && reported >= 0;
        }
    }

    static Stream<Arguments> mismatches() {
        return Stream.of(Protocol.values())
                .flatMap(p -> Stream.of(Mismatch.values()).map(m -> Arguments.of(p, m)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("mismatches")
    void aLengthThatDisagreesWithTheBodyNeverLooksComplete(Protocol protocol, Mismatch m) throws Exception {
        server.route("/mismatch", exchange -> {
            if (m.header >= 0) {
                exchange.setResponseContentLength(m.header);
            }
            TestBody b = new TestBody(m + " body").size(m.size).maxRead(16 * 1024);
            send(exchange, m.reported >= 0 ? b.length(TestBody.Length.KNOWN).reportedLength(m.reported)
                    : b.length(TestBody.Length.UNKNOWN));
        });
        Curl.Result r = curl(protocol, "/mismatch").maxTime(Duration.ofSeconds(2)).run();
        TestBody body = takeSent();

        Executable client = m.knownBeforeFirstByte()
                ? () -> assertAll("a mismatch known before the first byte gets a 500",
                        () -> assertEquals(500, r.status(), () -> "status; " + r),
                        () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                        () -> assertFalse(r.patternBody(), () -> "no body bytes; " + r))
                : () -> assertIncompleteSeen(r);
        assertContract(body, protocol, "/mismatch", client);
    }

    // ---- 7: the client goes away while a read blocks ----

    /** An endless body: two fast reads (one 32 KiB chunk, so HTTP/2 sends it), then 3 s per read. */
    private static TestBody stuckBody() {
        return new TestBody("body whose reads take 3 s").size(-1).maxRead(16 * 1024)
                .length(TestBody.Length.UNKNOWN).slowAfter(32 * 1024, VERY_SLOW_READ);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aClientThatGoesAwayWhileAReadBlocksGetsTheBodyClosedWithinOneSecond(Protocol protocol) throws Exception {
        streamRoute("/stuck", EdgeCasesTest::stuckBody);
        Curl.Result r = curl(protocol, "/stuck").maxTime(Duration.ofSeconds(1)).run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/stuck",
                () -> assertEquals(CURL_TIMEOUT, r.exitCode(), () -> "curl ran into its --max-time of 1 s; " + r),
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertClosedSoonAfter(body, r.endedNanos(), "curl's exit"));
    }

    @Test
    void anHttp2ClientThatCancelsTheStreamWhileAReadBlocksGetsTheBodyClosedWithinOneSecond() throws Exception {
        streamRoute("/stuck", EdgeCasesTest::stuckBody);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(Tls.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(server.uri(Protocol.TLS_H2, "/stuck"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(HttpClient.Version.HTTP_2, response.version());
        long cancelled;
        try (InputStream in = response.body()) {
            assertEquals(16 * 1024, in.readNBytes(16 * 1024).length);
        } finally {
            cancelled = System.nanoTime(); // closing the body before its end sends RST_STREAM(CANCEL)
        }
        TestBody body = takeSent();

        assertContract(body, Protocol.TLS_H2, "/stuck",
                () -> assertClosedSoonAfter(body, cancelled, "the client's RST_STREAM"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aClientThatGoesAwayFromAFastEndlessBodyGetsItClosedWithinOneSecond(Protocol protocol) throws Exception {
        streamRoute("/endless", () -> new TestBody("fast endless body").size(-1).maxRead(16 * 1024)
                .length(TestBody.Length.UNKNOWN));
        Curl.Result r = curl(protocol, "/endless").maxTime(Duration.ofMillis(700)).limitRate("500k")
                .discardBody().run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/endless",
                () -> assertEquals(CURL_TIMEOUT, r.exitCode(), () -> "curl ran into its --max-time; " + r),
                () -> assertClosedSoonAfter(body, r.endedNanos(), "curl's exit"));
    }

    // ---- a slow source's first bytes ----

    /**
     * Not in the list of known defects: a slow source's first bytes (1000, then a read that blocks
     * 1.5 s) must reach the client at once, not when a buffer fills or the body ends. curl's
     * time to the first response byte tells.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void theFirstBytesOfASlowBodyReachTheClientBeforeItsNextReadReturns(Protocol protocol) throws Exception {
        streamRoute("/trickle", () -> new TestBody("1000 bytes, then a read of 1.5 s").size(2000).maxRead(1000)
                .length(TestBody.Length.UNKNOWN).slowAfter(1000, Duration.ofMillis(1500)));
        Curl.Result r = curl(protocol, "/trickle").maxTime(Duration.ofSeconds(4)).run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/trickle",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(Pattern.digest(2000), r.digest(), () -> "body; " + r),
                () -> assertTrue(r.firstByteNanos() < TimeUnit.MILLISECONDS.toNanos(750),
                        () -> "the first response byte came " + Waits.seconds(r.firstByteNanos())
                                + " after the request, though the first 1000 body bytes were read at once"));
    }

    // ---- 8: HEAD ----

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aHeadOfABodyOfUnknownLengthIsNotAdvertisedAsEmpty(Protocol protocol) throws Exception {
        streamRoute("/unknown", () -> new TestBody("HEAD body of unknown length").size(1000)
                .length(TestBody.Length.UNKNOWN));
        Curl.Result r = curl(protocol, "/unknown").head().run();
        assertHeadOfUnknownLength(protocol, r);
    }

    @Test
    void aHeadOfABodyOfUnknownLengthOverHttp10IsNotAdvertisedAsEmpty() throws Exception {
        streamRoute("/unknown", () -> new TestBody("HTTP/1.0 HEAD body of unknown length").size(1000)
                .length(TestBody.Length.UNKNOWN));
        Curl.Result r = Curl.to(Protocol.HTTP_1_1, server.uri(Protocol.HTTP_1_1, "/unknown")).http10().head().run();
        assertEquals("HTTP/1.0", server.lastSeen("/unknown").protocol());
        assertHeadOfUnknownLength(null, r);
    }

    private void assertHeadOfUnknownLength(Protocol protocol, Curl.Result r) throws InterruptedException {
        TestBody body = takeSent();
        assertContract(body, protocol, "/unknown",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertNotEquals("0", r.header("content-length"),
                        () -> "a body of unknown length is not an empty body; " + r),
                // HEAD says what GET would: with no length known before reading, the first chunk is
                // read (and only it), as GET reads it, since a body may learn its length there
                () -> assertEquals(1, body.reads(), "reads of a HEAD body of unknown length"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void headAndGetOfABodyThatLearnsItsLengthOnItsFirstReadAdvertiseTheSameLength(Protocol protocol)
            throws Exception {
        streamRoute("/learns", () -> new TestBody("body that learns its length on its first read").size(1000)
                .length(TestBody.Length.LEARNED_ON_FIRST_READ));
        Curl.Result get = curl(protocol, "/learns").run();
        TestBody getBody = takeSent();
        Curl.Result head = curl(protocol, "/learns").head().run();
        TestBody headBody = takeSent();

        assertContract(headBody, protocol, "/learns",
                () -> assertEquals(0, get.exitCode(), () -> "GET: curl exit; " + get),
                () -> assertEquals(Pattern.digest(1000), get.digest(), () -> "GET body; " + get),
                () -> assertEquals(0, head.exitCode(), () -> "HEAD: curl exit; " + head),
                () -> assertEquals(get.header("content-length"), head.header("content-length"),
                        () -> "HEAD and GET Content-Length; HEAD: " + head),
                () -> assertEquals(get.header("transfer-encoding"), head.header("transfer-encoding"),
                        () -> "HEAD and GET Transfer-Encoding; HEAD: " + head),
                () -> getBody.assertClosedOnceNotOnIoThread(CLOSE_DEADLINE));
    }

    // ---- 9: the executor rejects ----

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aStreamTheExecutorRejectsGets503AndItsBodyClosedOffTheIoThread(Protocol protocol) throws Exception {
        server.route("/rejecting", new AsyncStreamingHandler(
                exchange -> send(exchange, new TestBody("rejected body")), REJECTING));
        Curl.Result r = curl(protocol, "/rejecting").run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/rejecting",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(503, r.status(), () -> "status; " + r),
                () -> assertEquals(0, body.reads(), "reads of a rejected body"));
    }

    // ---- 10: the handler throws after send ----

    @Test
    void aHandlerThatThrowsAfterSendGets500AndKeepsTheHttp11Connection() throws Exception {
        throwingRoute();
        try (LogCapture logs = LogCapture.of("io.github.undertowstreaming.io");
                Socket s = new Socket()) {
            s.setSoTimeout(3000);
            s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 5000);
            InputStream in = s.getInputStream();
            Map<String, String> head = new LinkedHashMap<>();
            s.getOutputStream().write("GET /throws HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            int status = readHead(in, head);
            assertEquals(500, status, () -> "status; " + head);
            in.readNBytes(Integer.parseInt(head.getOrDefault("content-length", "0")));
            TestBody body = takeSent();
            body.closes().assertClosedOnceNotOnIoThread(CLOSE_DEADLINE);
            Waits.poll(() -> server.completed() >= server.started(), COMPLETION_DEADLINE);

            s.getOutputStream().write("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            int second;
            try {
                second = readHead(in, head);
            } catch (IOException e) {
                fail("the keep-alive connection did not carry a second request after the 500: " + e
                        + "; logged: " + logs.messages());
                return;
            }
            assertEquals(200, second, () -> "second request on the same connection; " + head);
            assertEquals("pong", new String(in.readNBytes(Integer.parseInt(head.get("content-length"))),
                    StandardCharsets.US_ASCII));
            assertEquals(List.of(), logs.containing("went away"), "a handler failure is not a client going away");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aHandlerThatThrowsAfterSendGets500AndItsBodyClosedOnce(Protocol protocol) throws Exception {
        throwingRoute();
        try (LogCapture logs = LogCapture.of("io.github.undertowstreaming.io")) {
            Curl.Result r = curl(protocol, "/throws").run();
            TestBody body = takeSent();
            // the library hears of the end of the exchange when it completes: look at the log after that
            Waits.poll(() -> server.completed() >= server.started(), COMPLETION_DEADLINE);

            assertContract(body, protocol, "/throws",
                    () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                    () -> assertEquals(500, r.status(), () -> "status; " + r),
                    () -> assertFalse(r.patternBody(), () -> "no body bytes; " + r),
                    () -> assertEquals(List.of(), logs.containing("went away"),
                            "a handler failure is not a client going away"));
        }
    }

    private void throwingRoute() {
        server.route("/throws", exchange -> {
            send(exchange, new TestBody("body of a handler that throws"));
            throw new IllegalStateException("edge test: the handler fails after Streaming.send");
        });
    }

    // ---- 11: no RST_STREAM in reply to the client's RST_STREAM ----

    /**
     * h2c with prior knowledge, frame by frame: the client opens a big window, takes the first
     * DATA of an endless body and resets the stream. Once the body is closed it sends a PING; the
     * frames up to the PING's ACK are everything the server sent in reply. Undertow's own DEBUG
     * log ("Sending rststream") is watched as well.
     */
    @Test
    void aClientsRstStreamIsNotAnsweredWithAnotherRstStream() throws Exception {
        streamRoute("/endless", () -> new TestBody("fast endless body").size(-1).maxRead(16 * 1024)
                .length(TestBody.Length.UNKNOWN));
        List<H2c.Frame> afterReset = new ArrayList<>();
        try (LogCapture logs = LogCapture.of("io.undertow.request.io");
                H2c client = H2c.connect(server.httpPort(), true)) {
            client.request(1, "GET", "/endless");
            H2c.Frame f;
            do {
                f = client.read(Duration.ofSeconds(5));
            } while (!(f.type() == H2c.DATA && f.stream() == 1));
            client.rstStream(1, H2c.CANCEL);
            TestBody body = takeSent();
            // A client reads on after its reset, as curl and browsers do: the DATA the server had
            // queued must drain, or a stream whose frame waits in the full socket is never closed.
            readUntilPingAck(client, 0x5eed, afterReset);
            body.closes().assertClosedOnceNotOnIoThread(CLOSE_DEADLINE);
            // anything the server sends while tearing the stream down comes before this ACK
            readUntilPingAck(client, 0x5eed + 1, afterReset);

            List<H2c.Frame> resets = afterReset.stream().filter(x -> x.type() == H2c.RST_STREAM).toList();
            assertContract(body, Protocol.H2C_PRIOR_KNOWLEDGE, "/endless",
                    () -> assertEquals(List.of(), resets, () -> "frames other than DATA after the client's"
                            + " RST_STREAM: " + afterReset),
                    () -> assertEquals(List.of(), logs.containing("Sending rststream"),
                            "Undertow's log of the RST_STREAM it sent"));
        }
    }

    /** Sends a PING and reads until its ACK (3 s at most), adding every frame but DATA to {@code seen}. */
    private static void readUntilPingAck(H2c client, long opaque, List<H2c.Frame> seen) throws IOException {
        client.ping(opaque);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        H2c.Frame f;
        do {
            f = client.read(Duration.ofNanos(Math.max(1_000_000, end - System.nanoTime())));
            if (f.type() != H2c.DATA) {
                seen.add(f);
            }
        } while (!(f.type() == H2c.PING && f.has(H2c.ACK)));
    }

    // ---- the contract's checks ----

    /** The client saw the body fail, and at once: not a complete-looking response, not its own timeout. */
    /** Reads a response head; returns the status and fills {@code headers} (lower-case names). */
    private static int readHead(InputStream in, Map<String, String> headers) throws IOException {
        headers.clear();
        String status = line(in);
        for (String l; !(l = line(in)).isEmpty(); ) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        return Integer.parseInt(status.split(" ")[1]);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new EOFException("the connection closed in a response head");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
