package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
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

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.RawHttp;
import io.github.undertowstreaming.it.support.SlowLoad;
import io.github.undertowstreaming.it.support.SlowReader;
import io.github.undertowstreaming.it.support.Waits;
import io.github.undertowstreaming.it.support.WildFly;

/**
 * Transparent mode in WildFly 39 with its listener's defaults (read-timeout and write-timeout
 * 90 s; src/wildfly/configure.cli sets only the send buffer and the IO worker's 4 task threads).
 * The server was provisioned and configured by the build (the CLI scripts ran on the build's JVM,
 * Java 17 in the first command of .ci/run) and runs on a JDK with virtual threads (the it pom's
 * {@code wildfly.java.home}: JAVA25_HOME), as users run it. Two ways to {@code dispatch=virtual}:
 * the host's custom-filter {@code streaming-virtual} covers {@code /streaming-app/virtual}, where
 * a plain servlet ({@code BytesServlet}) and a RESTEasy {@code StreamingOutput} resource
 * ({@code BytesResource}) that know nothing of the library write in blocking style (the same code
 * without {@code /virtual} is the baseline); the subsystem ({@code undertow-streaming}, from the
 * feature pack, src/wildfly/subsystem.cli) gives the same servlet and resource
 * {@code dispatch=virtual} in {@code /subsystem-app}. The byte buffer pool shares 1024 buffers and
 * caches none per thread. The server's platform threads are read from its management model, its
 * descriptors from {@code /proc/PID/fd} (its PID from the management model too). A second
 * listener, the same but for a 5 s write-timeout, serves the client that stops reading.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WildFlyTransparentModeIT {

    private static final int CLIENTS = 128;
    /** Per slow client: 2 MiB read at 512 KiB/s, about 4 s. */
    private static final long SIZE = 2L << 20;
    private static final long PACE = 512 * 1024;
    private static final long BIG = 64L << 20;
    /** The IO worker's task threads (configure.cli). */
    private static final int WORKERS = 4;
    /**
     * What a load may add to the server's platform threads: the virtual threads' carriers (one per
     * core), the IO worker's task threads that the ping starts, and a few of WildFly's own.
     */
    private static final int SLACK = Runtime.getRuntime().availableProcessors() + WORKERS + 6;
    /**
     * The most descriptors a slow client may add to the server's process: its connection, and a
     * quarter for what comes and goes meanwhile (the pings', the management API's). A parked
     * virtual thread holds none; XNIO's selector wait held an epoll fd and an eventfd more.
     */
    private static final double FDS_PER_CLIENT = 1.25;
    /** The write-timeout of the second listener, on socket binding {@code http-short-write-timeout} (configure.cli). */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);
    /** How much later than its write-timeout the server may drop a client that stopped reading. */
    private static final Duration TIMEOUT_SLACK = Duration.ofSeconds(15);
    private static final URI PING = WildFly.uri("/streaming-app/ping");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void theDeploymentsAreUpOnAServerWithVirtualThreads() throws Exception {
        WildFly.awaitDeployment("/streaming-app/ping");
        WildFly.awaitDeployment("/subsystem-app/ping");
        WildFly.awaitDeployment("/own-executor-app/thread");
        int java = WildFly.javaVersion();
        System.out.printf("WildFly runs on Java %d (pid %s); the tests on Java %d%n", java, WildFly.pid(), Runtime.version().feature());
        assertTrue(java >= 21, "the test WildFly runs on Java " + java + ", which has no virtual threads:"
                + " the build starts it on wildfly.java.home (JAVA25_HOME), a JDK 21 or later");
        // WildFly's defaults on the listener of every test but one, and that one's 5 s
        assertEquals(90_000, WildFly.listenerAttribute("default", "read-timeout"));
        assertEquals(90_000, WildFly.listenerAttribute("default", "write-timeout"));
        assertEquals(WRITE_TIMEOUT.toMillis(), WildFly.listenerAttribute("short-write-timeout", "write-timeout"));
        assertEquals(90_000, WildFly.listenerAttribute("short-write-timeout", "read-timeout"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/streaming-app/virtual/bytes", "/streaming-app/virtual/rest/bytes"})
    void sixtyFourMiBThroughTheFilterArriveByteExact(String path) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(WildFly.uri(path + "?size=" + BIG))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals(Pattern.digest(BIG), Pattern.digest(r.body()));
        System.out.printf("WildFly, dispatch=virtual through the filter, %s: %d MiB byte-exact in %d ms%n", path, BIG >> 20,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /**
     * 128 slow clients at once, each of them holding a virtual thread that waits for its socket:
     * the server's descriptors grow by one per client (its connection), sampled when every client
     * has its first 64 KiB and after each of five pings; its platform threads stay flat.
     */
    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiter = '|', value = {
        "/streaming-app/virtual/bytes      | the filter, a servlet",
        "/streaming-app/virtual/rest/bytes | the filter, a StreamingOutput",
        "/subsystem-app/bytes              | the subsystem, a servlet",
        "/subsystem-app/rest/bytes         | the subsystem, a StreamingOutput"})
    void slowClientsOfBlockingCodeCostTheServerOneDescriptorEachAndNoPlatformThreadWhileAWorkerRouteAnswers(
            String path, String through) throws Exception {
        assertEquals(Pattern.digest(64 * 1024), Pattern.digest(HTTP.send(HttpRequest.newBuilder(
                WildFly.uri(path + "?size=65536")).build(), HttpResponse.BodyHandlers.ofInputStream()).body())); // warm
        long idleFds = WildFly.settledOpenFds();
        long idleThreads = WildFly.platformThreads();
        Peaks peaks = new Peaks();
        long slowestPing;
        long t0 = System.nanoTime();
        try (SlowLoad load = SlowLoad.start(WildFly.PORT, path + "?size=" + SIZE, CLIENTS, PACE, PING, "pong")) {
            // every client has its first 64 KiB: all 128 exchanges run at once, on 4 workers
            peaks.sample();
            slowestPing = load.assertAnswersWhileInFlight(PING, "pong", 5, peaks::sample);
            load.assertAllFinishWith(Pattern.digest(SIZE));
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        double fdsPerClient = (peaks.fds - idleFds) / (double) CLIENTS;
        System.out.printf("WildFly, dispatch=virtual through %s, %s: %d slow clients (%d KiB at %d KiB/s each) done in %d ms,"
                + " byte-exact; server descriptors %d idle, %d peak (samples %s): %.2f per client; server platform threads"
                + " %d idle, %d peak; slowest ping %d ms%n", through, path, CLIENTS, SIZE >> 10, PACE >> 10, millis,
                idleFds, peaks.fds, peaks.samples, fdsPerClient, idleThreads, peaks.threads, slowestPing);
        assertTrue(fdsPerClient <= FDS_PER_CLIENT, String.format("%.2f descriptors per slow client (%d idle, %d peak),"
                + " more than %.2f: the waits for the socket hold descriptors", fdsPerClient, idleFds, peaks.fds, FDS_PER_CLIENT));
        assertTrue(peaks.threads - idleThreads <= SLACK, "platform threads " + idleThreads + " idle, " + peaks.threads
                + " peak: more than " + SLACK + " more with " + CLIENTS + " slow clients");
        assertEquals(List.of(), WildFly.logLines("UTSTREAM0014"),
                "the server's buffer pool shares its buffers and caches none per thread: no warning about it");
    }

    /**
     * A client that takes 64 KiB of a 32 MiB download and then nothing: the listener's
     * write-timeout (5 s, on the second listener) drops it, the servlet's blocking write, on its
     * virtual thread, throws, and the client sees the body end short of its length.
     */
    @Test
    void aClientThatStopsReadingIsDroppedAtTheListenersWriteTimeoutAndTheServletsWriteThrows() throws Exception {
        int port = WildFly.boundPort("http-short-write-timeout");
        long size = 32L << 20;
        String tag = "stopped-reading-" + System.nanoTime();
        WildFly.LogTail log = WildFly.logTail();
        try (RawHttp c = RawHttp.connect(port, 8 * 1024)) {
            c.get("/subsystem-app/bytes?size=" + size + "&tag=" + tag);
            assertEquals(200, c.status());
            InputStream body = c.body();
            assertEquals(64 * 1024, body.readNBytes(64 * 1024).length);
            long stopped = System.nanoTime();
            String[] line = {null};
            Waits.await(() -> (line[0] = log.firstLineWith(tag)) != null, WRITE_TIMEOUT.plus(TIMEOUT_SLACK),
                    () -> "the servlet's write did not fail within the listener's write-timeout (" + WRITE_TIMEOUT.toMillis()
                            + " ms) and " + TIMEOUT_SLACK.toSeconds() + " s");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
            long[] rest = {0};
            IOException end = assertThrows(IOException.class, () -> {
                byte[] buf = new byte[65536];
                for (int n; (n = body.read(buf)) >= 0; ) {
                    rest[0] += n;
                }
            }, "the body ended short of its length");
            System.out.printf("WildFly, dispatch=virtual through the subsystem, a servlet, write-timeout %d ms: the client stopped"
                    + " reading after 64 KiB of %d MiB; the servlet's write threw %d ms later; the client then read %d bytes more"
                    + " and saw %s. The server's log: %s%n", WRITE_TIMEOUT.toMillis(), size >> 20, millis, rest[0], end, line[0]);
            assertTrue(line[0].contains("threw an IOException") && line[0].contains("VirtualThread["), line[0]);
            assertFalse(end instanceof java.net.SocketTimeoutException, "the server closed the connection: " + end);
            assertTrue(millis >= WRITE_TIMEOUT.toMillis() - 1000, "the server gave up " + millis + " ms after the client"
                    + " stopped reading, before its write-timeout of " + WRITE_TIMEOUT.toMillis() + " ms");
        }
    }

    @Test
    void withoutTheFilterEachSlowClientHoldsOneOfTheFourWorkersAndAWorkerRouteWaitsInTheQueue() throws Exception {
        int clients = 2 * WORKERS;
        String path = "/streaming-app/bytes?size=" + SIZE;
        long idle = WildFly.platformThreads();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            CountDownLatch started = new CountDownLatch(clients);
            List<Future<String>> downloads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                downloads.add(pool.submit(new SlowReader(WildFly.PORT, path, PACE, started)));
            }
            Waits.await(() -> started.getCount() <= clients - WORKERS, Duration.ofSeconds(30),
                    () -> WORKERS + " clients never got their first 64 KiB");
            long receiving = clients - started.getCount();
            long busy = WildFly.platformThreads();
            long ping = SlowLoad.millisToAnswer(PING, "pong");
            long finished = downloads.stream().filter(Future::isDone).count();
            System.out.printf("WildFly, no filter, /streaming-app/bytes: %d slow clients, %d receiving at first (the others"
                    + " queued for the %d workers); server platform threads %d idle, %d busy; a ping took %d ms, and came back"
                    + " when %d downloads had finished%n", clients, receiving, WORKERS, idle, busy, ping, finished);
            assertEquals(WORKERS, receiving, "a worker per slow client, and no more workers");
            assertTrue(finished >= 1, "the ping waited in the worker's queue until a slow download had finished and given"
                    + " its worker back, but came back after " + ping + " ms with none finished");
            for (Future<String> d : downloads) {
                assertEquals(Pattern.digest(SIZE), d.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDeploymentWithAnExecutorOfItsOwnKeepsItAndTheLibraryLogsThatItLeftThatDeploymentAlone() throws Exception {
        String virtual = WildFly.get("/streaming-app/virtual/thread");
        assertTrue(virtual.startsWith("VirtualThread[") && virtual.contains("undertow-streaming-vt-"), virtual);
        String plain = WildFly.get("/streaming-app/thread");
        assertFalse(plain.startsWith("VirtualThread["), plain);
        for (int i = 0; i < 3; i++) {
            String own = WildFly.get("/own-executor-app/thread");
            // the IO worker "own" that its jboss-web.xml names, though the filter covers the deployment
            assertFalse(own.startsWith("VirtualThread["), own);
            assertTrue(own.contains("own"), own);
        }
        Waits.await(() -> !WildFly.logLines("UTSTREAM0015").isEmpty(), Duration.ofSeconds(10),
                () -> "no UTSTREAM0015 in the server's log");
        List<String> told = WildFly.logLines("UTSTREAM0015");
        System.out.println("WildFly's log: " + told);
        assertEquals(1, told.size(), "once for the deployment: " + told);
        assertTrue(told.get(0).contains("INFO") && told.get(0).contains("/own-executor-app")
                && told.get(0).contains("XNIO worker 'own'"), told.get(0));
    }

    /** The server's descriptor and platform thread counts, sampled during a load, and the highest of each. */
    private static final class Peaks {
        long fds;
        long threads;
        final List<Long> samples = new ArrayList<>();

        void sample() {
            long f = WildFly.openFds();
            samples.add(f);
            fds = Math.max(fds, f);
            threads = Math.max(threads, WildFly.platformThreads());
        }
    }
}
