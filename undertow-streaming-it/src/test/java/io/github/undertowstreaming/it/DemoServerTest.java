package io.github.undertowstreaming.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.DemoRoutes;
import io.github.undertowstreaming.demo.DemoServer;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.Waits;
import io.restassured.path.json.JsonPath;

/**
 * The demo server as users run it, on 127.0.0.1 with ports the system picks: every route, the
 * 400s with their one-line reasons, the /stats fields, and the WebSocket echo, through real
 * clients (the JDK's HttpClient and WebSocket, REST Assured, a raw socket, curl); and its modes
 * over every protocol (HTTP/1.1, h2c by prior knowledge and by upgrade, HTTPS with h2 by ALPN):
 * worker threads by default, and transparent mode ({@code --dispatch virtual}) on Java 21 and
 * later, where the blocking route runs on a virtual thread that parks for a slow client, and which
 * Java 17 refuses with the library's message.
 */
class DemoServerTest {

    private static final int WORKERS = 4;

    /** The demo with worker threads (the default), HTTPS too. */
    private static DemoServer server;
    /** On Java 21+: the demo as {@code --dispatch virtual --tls} starts it; null before Java 21. */
    private static DemoServer transparent;
    private static HttpClient http;

    @BeforeAll
    static void startDemo() {
        server = DemoServer.start(DemoServer.settings().port(0).tls(true).tlsPort(0).workerThreads(WORKERS).name("demo-test"));
        if (virtualThreads()) {
            transparent = DemoServer.start(DemoServer.parse(new String[] {"--port", "0", "--tls", "--tls-port", "0",
                "--dispatch", "virtual", "--workers", String.valueOf(WORKERS)}).name("demo-transparent"));
        }
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stopDemo() {
        server.close();
        if (transparent != null) {
            transparent.close();
        }
    }

    private static boolean virtualThreads() {
        return Runtime.version().feature() >= 21;
    }

    private static HttpResponse<byte[]> get(String pathAndQuery) throws Exception {
        return send(HttpRequest.newBuilder(server.uri(pathAndQuery)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    private static HttpResponse<byte[]> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] body) throws IOException {
        return Pattern.digest(new ByteArrayInputStream(body));
    }

    @Test
    void theDemoListensOnTheLoopbackPortTheSystemChoseForPortZero() {
        assertTrue(server.port() > 0, "bound port " + server.port());
        assertEquals("http://127.0.0.1:" + server.port(), server.base());
        assertTrue(server.tlsPort() > 0 && server.tlsPort() != server.port(), "TLS port " + server.tlsPort());
        assertEquals("https://127.0.0.1:" + server.tlsPort(), server.tlsBase());
    }

    @Test
    void withoutTlsThereIsNoHttpsListener() {
        try (DemoServer plain = DemoServer.start(DemoServer.settings().port(0).workerThreads(1).name("demo-plain"))) {
            assertEquals(-1, plain.tlsPort());
            assertNull(plain.tlsBase());
        }
    }

    // ---- the modes over every protocol ----

    private static Curl.Result curl(DemoServer demo, Protocol protocol, String pathAndQuery) throws Exception {
        String base = protocol.isSecure() ? demo.tlsBase() : demo.base();
        Curl curl = Curl.to(protocol, URI.create(base + pathAndQuery)).maxTime(Duration.ofSeconds(20));
        if (protocol == Protocol.H2C_UPGRADE) {
            // The bodies go on the second stream: a fast body on the upgraded first stream trips
            // curl 7.88 now and then (see Curl.upgradeWith); that stream is the contract tests' subject.
            curl.upgradeWith(URI.create(base + "/hello"));
        }
        return curl.run();
    }

    private static void assertPatternBody(Curl.Result r, Protocol protocol, long size) {
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(200, r.status(), r::toString);
        assertEquals(protocol.curlVersion(), r.httpVersion(), r::toString);
        assertEquals(Pattern.digest(size), r.digest(), r::toString);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void withWorkerThreadsBothBytesRoutesArriveWholeOverEveryProtocol(Protocol protocol) throws Exception {
        assertPatternBody(curl(server, protocol, "/bytes?size=300001&chunk=1000"), protocol, 300_001);
        Curl.Result blocking = curl(server, protocol, "/blocking/bytes?size=300001&chunk=777");
        assertPatternBody(blocking, protocol, 300_001);
        assertTrue(blocking.header("x-demo-thread").startsWith("demo-test task-"), blocking::toString);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void inTransparentModeTheBlockingRouteRunsOnAVirtualThreadOverEveryProtocol(Protocol protocol) throws Exception {
        assumeTrue(virtualThreads(), "transparent mode needs Java 21 or later");
        Curl.Result blocking = curl(transparent, protocol, "/blocking/bytes?size=300001&chunk=777");
        assertPatternBody(blocking, protocol, 300_001);
        assertTrue(blocking.header("x-demo-thread").startsWith("undertow-streaming-vt-"), blocking::toString);
        assertPatternBody(curl(transparent, protocol, "/bytes?size=300001&chunk=1000"), protocol, 300_001);
    }

    /**
     * A client that reads 16 KB a second from the blocking route: its virtual thread parks while the
     * socket is full (the statistics count it waiting for its client), no worker thread is held,
     * and the dispatch gate counts it running until the client goes away.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void inTransparentModeASlowClientParksItsVirtualThreadAndHoldsNoWorker(Protocol protocol) throws Exception {
        assumeTrue(virtualThreads(), "transparent mode needs Java 21 or later");
        Curl.Running slow = Curl.to(protocol, URI.create((protocol.isSecure() ? transparent.tlsBase() : transparent.base())
                + "/blocking/bytes?size=1073741824")).limitRate("16k").discardBody().maxTime(Duration.ofSeconds(60)).start();
        try {
            Waits.await(() -> stats(transparent).getLong("dispatchGate.running") >= 1
                    && stats(transparent).getLong("waitingForClients") >= 1, Duration.ofSeconds(20), Duration.ofMillis(20),
                    () -> "no parked download in " + stats(transparent).prettify());
            JsonPath parked = stats(transparent);
            assertEquals(0, parked.getInt("workerThreadsBusy"), parked::prettify);
            assertEquals("virtual", parked.getString("dispatch"));
        } finally {
            slow.kill();
        }
        Waits.await(() -> stats(transparent).getLong("dispatchGate.running") == 0, Duration.ofSeconds(20),
                Duration.ofMillis(20), () -> "the download still runs after its client went away: " + stats(transparent).prettify());
    }

    @Test
    void statsWithWorkerThreadsShowsNoDispatchGate() {
        JsonPath workers = stats(server);
        assertEquals("worker", workers.getString("dispatch"));
        assertNull(workers.get("dispatchGate"), workers::prettify);
    }

    @Test
    void statsInTransparentModeShowsTheDispatchGate() {
        assumeTrue(virtualThreads(), "transparent mode needs Java 21 or later");
        JsonPath virtual = stats(transparent);
        assertEquals("virtual", virtual.getString("dispatch"));
        assertEquals(DemoServer.DEFAULT_MAX_DISPATCHED, virtual.getInt("dispatchGate.max"), virtual::prettify);
        assertEquals(0, virtual.getInt("dispatchGate.waiting"), virtual::prettify);
        assertEquals(0, virtual.getInt("dispatchGate.refused"), virtual::prettify);
        assertNotNull(virtual.get("dispatchGate.running"), virtual::prettify);
    }

    @Test
    void dispatchVirtualBeforeJava21IsRefusedWithTheLibrarysMessage() {
        assumeFalse(virtualThreads(), "Java 21 and later have virtual threads");
        String library = assertThrows(IllegalArgumentException.class, StreamingOptions::virtualThreads).getMessage();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DemoServer.main(new String[] {"--dispatch", "virtual"}));
        assertEquals(library, e.getMessage());
        assertTrue(e.getMessage().startsWith("UTSTREAM0119: "), e.getMessage());
    }

    @Test
    void dispatchVirtualPutsTheHandlerInTransparentModeWithAGate() {
        assumeTrue(virtualThreads(), "transparent mode needs Java 21 or later");
        StreamingOptions o = DemoServer.parse(new String[] {"--dispatch", "virtual"}).options();
        assertEquals(StreamingOptions.virtualThreads(), o.dispatch());
        assertEquals(DemoServer.DEFAULT_MAX_DISPATCHED, o.maxDispatched());
        assertEquals(0, DemoServer.parse(new String[] {"--dispatch", "virtual", "--max-dispatched", "0"}).options().maxDispatched());
    }

    @Test
    void theDefaultIsWorkerThreads() {
        StreamingOptions o = DemoServer.parse(new String[0]).options();
        assertNull(o.dispatch());
        assertEquals(0, o.maxDispatched());
    }

    /**
     * The banner's curl lines, run as printed (by sh): /hello over each protocol reports the one it
     * got, and the thread line names the thread the blocking route ran on.
     */
    @Test
    void theBannersCurlLinesGetTheProtocolsAndTheThreadTheyName() throws Exception {
        String printed = banner(server);
        List<DemoServer.Try> tries = server.tries();
        for (DemoServer.Try t : tries) {
            assertTrue(printed.contains("  " + t.what() + "\n    " + t.curl() + "\n"), t.what() + " in:\n" + printed);
        }
        assertEquals(List.of("HTTP/1.1", "h2c", "h2c by upgrade", "HTTPS, h2 by ALPN", "the thread of a blocking route",
                "a slow client of a blocking route, then /stats"), tries.stream().map(DemoServer.Try::what).toList());
        assertEquals("hello (HTTP/1.1)", sh(tries.get(0).curl()));
        assertEquals("hello (HTTP/2)", sh(tries.get(1).curl()));
        assertEquals("hello (HTTP/2)", sh(tries.get(2).curl()));
        assertEquals("hello (HTTP/2)", sh(tries.get(3).curl()));
        assertTrue(sh(tries.get(4).curl()).startsWith("X-Demo-Thread: demo-test task-"), tries.get(4).curl());
        assertTrue(printed.contains("blocking routes run on worker threads"), printed);
        if (virtualThreads()) {
            String thread = transparent.tries().get(4).curl();
            assertTrue(sh(thread).startsWith("X-Demo-Thread: undertow-streaming-vt-"), thread);
            assertTrue(banner(transparent).contains("transparent mode (dispatch=virtual, max-dispatched="
                    + DemoServer.DEFAULT_MAX_DISPATCHED + "): blocking routes run on virtual threads"), banner(transparent));
        }
    }

    private static String banner(DemoServer demo) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        demo.printRoutes(new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Runs {@code command} with sh, without proxies; its output, trimmed. Fails after 20 s or a non-zero exit. */
    private static String sh(String command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.toLowerCase(Locale.ROOT).endsWith("_proxy"));
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), command);
            assertEquals(0, p.exitValue(), () -> command + ": " + out);
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void bytesStreamsThePatternThroughTheLibraryWithItsLength() throws Exception {
        long size = 300_001;
        HttpResponse<byte[]> r = get("/bytes?size=" + size + "&chunk=1000");
        assertEquals(200, r.statusCode());
        assertEquals(String.valueOf(size), r.headers().firstValue("Content-Length").orElse(null));
        assertEquals(Pattern.digest(size), sha256(r.body()));
    }

    @Test
    void bytesHasOneMebibyteByDefault() throws Exception {
        HttpResponse<byte[]> r = get("/bytes");
        assertEquals(200, r.statusCode());
        assertEquals(Pattern.digest(1 << 20), sha256(r.body()));
    }

    @Test
    void bytesFromASourceThatSleepsBeforeEachReadArriveWhole() throws Exception {
        HttpResponse<byte[]> r = get("/bytes?size=40000&chunk=8192&delayMs=3");
        assertEquals(200, r.statusCode());
        assertEquals(Pattern.digest(40_000), sha256(r.body()));
    }

    @Test
    void blockingBytesServesTheSameBodyThroughTheOutputStream() throws Exception {
        HttpResponse<byte[]> r = get("/blocking/bytes?size=300001&chunk=777&delayMs=0");
        assertEquals(200, r.statusCode());
        assertEquals("300001", r.headers().firstValue("Content-Length").orElse(null));
        assertEquals(Pattern.digest(300_001), sha256(r.body()));
    }

    @Test
    void senderBytesServesTheSameBodyFromMemory() throws Exception {
        HttpResponse<byte[]> r = get("/sender/bytes?size=300001&chunk=5000");
        assertEquals(200, r.statusCode());
        assertEquals(Pattern.digest(300_001), sha256(r.body()));
    }

    @Test
    void headOnBytesGivesTheLengthAndNoBody() throws Exception {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(server.uri("/bytes?size=12345"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, r.statusCode());
        assertEquals("12345", r.headers().firstValue("Content-Length").orElse(null));
        assertEquals(0, r.body().length);
    }

    @Test
    void csvGivesOneLinePerRowFromTheIterator() throws Exception {
        HttpResponse<byte[]> r = get("/csv?rows=3");
        assertEquals(200, r.statusCode());
        assertEquals("text/csv; charset=utf-8", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals("0,item-0\n1,item-1\n2,item-2\n", text(r));
    }

    @Test
    void csvHasAThousandRowsByDefaultAndNoneForZero() throws Exception {
        String[] lines = text(get("/csv")).split("\n");
        assertEquals(1000, lines.length);
        assertEquals("999,item-999", lines[999]);
        assertEquals("", text(get("/csv?rows=0")));
    }

    @Test
    void pingAnswersPong() throws Exception {
        HttpResponse<byte[]> r = get("/ping");
        assertEquals(200, r.statusCode());
        assertEquals("pong", text(r));
    }

    @Test
    void helloAnswersHello() throws Exception {
        assertEquals("hello", text(get("/hello")));
    }

    @Test
    void statsHasTheStreamCountersAndBusyWorkersAsJson() throws Exception {
        JsonPath before = stats();
        long size = 200_000;
        assertEquals(200, get("/bytes?size=" + size).statusCode());
        given().baseUri(server.base()).get("/stats").then()
                .statusCode(200)
                .contentType("application/json")
                .body("streamsInFlight", greaterThanOrEqualTo(0))
                .body("streamsFailed", greaterThanOrEqualTo(0))
                .body("workerThreadsBusy", greaterThanOrEqualTo(0))
                .body("workerThreadsBusy", lessThanOrEqualTo(WORKERS))
                .body("workerThreads", notNullValue());
        // the stream's counters move when its pump ends, just after the client has the last byte
        awaitAtLeast(before.getLong("streamsFinished") + 1, () -> stats().getLong("streamsFinished"));
        awaitAtLeast(before.getLong("bytesSent") + size, () -> stats().getLong("bytesSent"));
    }

    @Test
    void statsCountsAWorkerHeldByABlockingDownloadAsBusy() throws Exception {
        // each 500-byte read sleeps 20 ms: the worker is busy for the whole download
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /blocking/bytes?size=100000&chunk=500&delayMs=20 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitAtLeast(1, () -> stats().getLong("workerThreadsBusy"));
        }
    }

    private static JsonPath stats() {
        return stats(server);
    }

    private static JsonPath stats(DemoServer demo) {
        return given().baseUri(demo.base()).get("/stats").then().statusCode(200).extract().jsonPath();
    }

    /** Polls {@code value} until it reaches {@code min}; fails after 10 s. */
    private static void awaitAtLeast(long min, LongSupplier value) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last;
        while ((last = value.getAsLong()) < min) {
            assertTrue(System.nanoTime() < deadline, "still " + last + " after 10 s, expected at least " + min);
            TimeUnit.MILLISECONDS.sleep(20); // polling with a deadline
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "/bytes?size=abc          | size must be a whole number from 0 to 1099511627776, but was \"abc\"",
        "/bytes?size=-1           | size must be a whole number from 0 to 1099511627776, but was \"-1\"",
        "/bytes?size=1099511627777 | size must be a whole number from 0 to 1099511627776, but was \"1099511627777\"",
        "/bytes?chunk=0           | chunk must be a whole number from 1 to 16777216, but was \"0\"",
        "/bytes?delayMs=1.5       | delayMs must be a whole number from 0 to 60000, but was \"1.5\"",
        "/blocking/bytes?size=x   | size must be a whole number from 0 to 1099511627776, but was \"x\"",
        "/sender/bytes?chunk=2000000 | chunk must be a whole number from 1 to 1048576, but was \"2000000\"",
        "/csv?rows=many           | rows must be a whole number from 0 to 1000000000, but was \"many\"",
        "/bytes?size=1&size=2     | size must be given once, but was given 2 times",
    })
    void aBadValueGets400WithAOneLineReasonNamingItAndTheValue(String pathAndQuery, String reason) throws Exception {
        assertBadRequest(pathAndQuery, reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "/bytes?sise=10        | unknown parameter \"sise\": /bytes takes size, chunk, delayMs",
        "/blocking/bytes?x=1   | unknown parameter \"x\": /blocking/bytes takes size, chunk, delayMs",
        "/sender/bytes?delayMs=1 | unknown parameter \"delayMs\": /sender/bytes takes size, chunk",
        "/csv?size=10          | unknown parameter \"size\": /csv takes rows",
        "/ping?now=1           | unknown parameter \"now\": /ping takes no parameters",
        "/stats?pretty=true    | unknown parameter \"pretty\": /stats takes no parameters",
    })
    void anUnknownParameterGets400NamingIt(String pathAndQuery, String reason) throws Exception {
        assertBadRequest(pathAndQuery, reason);
    }

    private static void assertBadRequest(String pathAndQuery, String reason) throws Exception {
        HttpResponse<byte[]> r = get(pathAndQuery);
        assertEquals(400, r.statusCode(), text(r));
        assertEquals(reason + "\n", text(r));
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    }

    @Test
    void anUnknownPathGets404ListingTheRoutes() throws Exception {
        HttpResponse<byte[]> r = get("/nope");
        assertEquals(404, r.statusCode());
        assertEquals("no route for /nope; the routes are /bytes, /blocking/bytes, /sender/bytes, /csv, /ping, /hello,"
                + " /ws, /stats\n", text(r));
    }

    @Test
    void aMethodOtherThanGetGets405() throws Exception {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(server.uri("/bytes"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build());
        assertEquals(405, r.statusCode());
        assertEquals("/bytes takes GET or HEAD, but the method was POST\n", text(r));
        assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(null));
    }

    @Test
    void wsWithoutAnUpgradeGets400() throws Exception {
        HttpResponse<byte[]> r = get("/ws");
        assertEquals(400, r.statusCode());
        assertEquals("/ws takes a WebSocket upgrade (Upgrade: websocket)\n", text(r));
    }

    @Test
    void theWebSocketEchoesTextAndBinaryThroughTheSkipList() throws Exception {
        CompletableFuture<String> text = new CompletableFuture<>();
        CompletableFuture<byte[]> binary = new CompletableFuture<>();
        WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new WebSocket.Listener() {
                    private final StringBuilder texts = new StringBuilder();
                    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        texts.append(data);
                        if (last) {
                            text.complete(texts.toString());
                        }
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                        byte[] b = new byte[data.remaining()];
                        data.get(b);
                        bytes.writeBytes(b);
                        if (last) {
                            binary.complete(bytes.toByteArray());
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            ws.sendText("hello, echo", true).get(10, TimeUnit.SECONDS);
            assertEquals("hello, echo", text.get(10, TimeUnit.SECONDS));
            ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3, (byte) 250}), true).get(10, TimeUnit.SECONDS);
            assertEquals(Arrays.toString(new byte[] {1, 2, 3, (byte) 250}),
                    Arrays.toString(binary.get(10, TimeUnit.SECONDS)));
        } finally {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theRoutesArePrintedWithACurlLineEach() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        server.printRoutes(new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        for (DemoRoutes.Route route : DemoRoutes.ROUTES) {
            assertTrue(printed.contains("  " + route.path() + "  "), "route " + route.path() + " in:\n" + printed);
            assertTrue(printed.contains(route.curl(server.base())), "curl line of " + route.path());
            assertTrue(route.curl(server.base()).startsWith("curl ") && route.curl(server.base()).contains(server.base() + route.path()));
        }
    }

    @Test
    void aBadCommandLineArgumentIsRefusedNamingItAndTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DemoServer.main(new String[] {"--port", "http"}));
        assertEquals("--port must be a whole number from 0 to 65535, but was \"http\"", e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> DemoServer.main(new String[] {"--threads", "4"}));
        assertTrue(unknown.getMessage().startsWith("unknown argument \"--threads\""), unknown.getMessage());
        assertFalse(unknown.getMessage().contains("\n"));
        assertEquals("--dispatch must be worker or virtual, but was \"sideways\"", assertThrows(IllegalArgumentException.class,
                () -> DemoServer.main(new String[] {"--dispatch", "sideways"})).getMessage());
        assertEquals("--tls-port must be a whole number from 0 to 65535, but was \"70000\"", assertThrows(
                IllegalArgumentException.class, () -> DemoServer.main(new String[] {"--tls-port", "70000"})).getMessage());
    }

    @Test
    void maxDispatchedWithoutDispatchVirtualIsRefusedWithTheLibrarysMessage() {
        String library = assertThrows(IllegalArgumentException.class,
                () -> StreamingOptions.builder().maxDispatched(8).build()).getMessage();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DemoServer.main(new String[] {"--max-dispatched", "8"}));
        assertEquals(library, e.getMessage());
    }
}
