package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.SlowLoad;
import io.github.undertowstreaming.it.support.SlowReader;
import io.github.undertowstreaming.it.support.Waits;
import io.github.undertowstreaming.it.support.WildFly;

/**
 * Transparent mode in WildFly 39 (see src/wildfly/configure.cli): the host's custom-filter
 * {@code streaming-virtual} ({@code dispatch=virtual}) covers {@code /streaming-app/virtual}, where
 * a plain servlet ({@code BytesServlet}) and a RESTEasy {@code StreamingOutput} resource
 * ({@code BytesResource}) that know nothing of the library write in blocking style; the same code
 * without {@code /virtual} is the baseline. The subsystem ({@code undertow-streaming}, from the
 * feature pack, see src/wildfly/subsystem.cli) gives the same servlet {@code dispatch=virtual} in
 * {@code /subsystem-app}. The IO worker has 4 task threads, the byte buffer pool
 * shares 1024 buffers and caches none per thread, and the server's platform threads are read from
 * its management model. Java 21 and later only: on Java 17 the build gives the filter
 * {@code dispatch=worker} and these tests are skipped.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WildFlyTransparentModeIT {

    private static final int CLIENTS = 64;
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
    private static final URI PING = WildFly.uri("/streaming-app/ping");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void bothDeploymentsAreUp() throws Exception {
        WildFly.awaitDeployment("/streaming-app/ping");
        WildFly.awaitDeployment("/own-executor-app/thread");
    }

    @BeforeEach
    void onVirtualThreads() {
        assumeTrue(Runtime.version().feature() >= 21 && "virtual".equals(System.getProperty("wildfly.streaming.dispatch")),
                "virtual threads need Java 21 or later; on Java " + Runtime.version().feature()
                        + " the build gives the filter dispatch=worker");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/streaming-app/virtual/bytes", "/streaming-app/virtual/rest/bytes"})
    void sixtyFourMiBThroughTheFilterArriveByteExact(String path) throws Exception {
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(WildFly.uri(path + "?size=" + BIG))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals(Pattern.digest(BIG), Pattern.digest(r.body()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/streaming-app/virtual/bytes", "/streaming-app/virtual/rest/bytes", "/subsystem-app/bytes"})
    void sixtyFourSlowClientsOfBlockingCodeFinishWithoutHoldingPlatformThreadsWhileAWorkerRouteAnswers(String path)
            throws Exception {
        assertEquals(Pattern.digest(64 * 1024), Pattern.digest(HTTP.send(HttpRequest.newBuilder(
                WildFly.uri(path + "?size=65536")).build(), HttpResponse.BodyHandlers.ofInputStream()).body())); // warm
        long idle = WildFly.platformThreads();
        AtomicLong peak = new AtomicLong(idle);
        long slowestPing;
        long t0 = System.nanoTime();
        try (SlowLoad load = SlowLoad.start(WildFly.PORT, path + "?size=" + SIZE, CLIENTS, PACE, PING, "pong")) {
            // every client has its first 64 KiB: all 64 exchanges run at once, on 4 workers
            peak.accumulateAndGet(WildFly.platformThreads(), Math::max);
            slowestPing = load.assertAnswersWhileInFlight(PING, "pong", 5,
                    () -> peak.accumulateAndGet(WildFly.platformThreads(), Math::max));
            load.assertAllFinishWith(Pattern.digest(SIZE));
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("WildFly, dispatch=virtual, %s: %d slow clients (%d KiB at %d KiB/s each) done in %d ms, byte-exact;"
                + " server platform threads %d idle, %d peak; slowest ping %d ms%n", path, CLIENTS, SIZE >> 10, PACE >> 10,
                millis, idle, peak.get(), slowestPing);
        assertTrue(peak.get() - idle <= SLACK, "platform threads " + idle + " idle, " + peak.get()
                + " peak: more than " + SLACK + " more with " + CLIENTS + " slow clients");
        assertEquals(List.of(), WildFly.logLines("UTSTREAM0014"),
                "the server's buffer pool shares its buffers and caches none per thread: no warning about it");
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
            System.out.printf("WildFly, no filter, /streaming-app/bytes: %d slow clients, %d receiving at first (the others"
                    + " queued for the %d workers); server platform threads %d idle, %d busy; a ping took %d ms%n",
                    clients, receiving, WORKERS, idle, busy, ping);
            assertEquals(WORKERS, receiving, "a worker per slow client, and no more workers");
            assertTrue(ping >= 1000, "the ping waited for a worker: " + ping + " ms");
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
}
