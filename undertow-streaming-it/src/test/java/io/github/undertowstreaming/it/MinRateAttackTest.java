package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.SlowHttpTest;
import io.github.undertowstreaming.it.support.SlowReader;
import io.github.undertowstreaming.it.support.TestServer;
import io.undertow.Handlers;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;

/**
 * {@code min-rate} and {@code min-request-rate} against a real attack tool, Debian's
 * {@code slowhttptest}: in slow-read mode ({@code -X}: a receive window of 512 to 1024 bytes, 32
 * bytes read every 3 s) its connections are dropped once the grace and one window of waiting have
 * passed, while honest clients reading at 64 KiB/s from the same route finish byte-exact; with
 * {@code min-rate=0} the attackers stay connected, which shows that the option is what drops them.
 * In slow-POST mode ({@code -B}) the same for request bodies in transparent mode. Over HTTP/1.1,
 * plain and TLS. Skipped where slowhttptest is missing, and where the build says
 * {@code -DslowAttacks=false} (CI's Undertow 2.3 and Java 25 builds, which leave these attacks to
 * its first build: the dispatched route runs on platform threads on every Java).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MinRateAttackTest {

    private static final long MIN_RATE = 1024;
    /** The grace; the window is its length, at least a second: 1 s. */
    private static final Duration GRACE = Duration.ofMillis(500);
    private static final Duration WINDOW = Duration.ofSeconds(1);
    /** What the drop may take beyond grace and window: the tool's start, its ramp, the watch's ticks. */
    private static final Duration SLACK = Duration.ofSeconds(3);
    private static final int ATTACKERS = 32;
    private static final int HONEST = 64;
    private static final long HONEST_PACE = 64 * 1024;
    private static final long HONEST_SIZE = 192 * 1024;
    private static final Duration ATTACK = Duration.ofSeconds(5);

    private final ExecutorService dispatch = Executors.newCachedThreadPool();
    private final ExecutorService honest = Executors.newFixedThreadPool(HONEST);

    @BeforeEach
    void attacksRunHere() {
        assumeTrue(!"false".equals(System.getProperty("slow.attacks")),
                "-DslowAttacks=false: this build leaves the attacks to another");
        assumeTrue(SlowHttpTest.installed(), "slowhttptest is not installed (.ci/run installs Debian's)");
    }

    @AfterEach
    void stop() {
        dispatch.shutdownNow();
        honest.shutdownNow();
    }

    /** The handlers of the three routes: the outer one streams {@code /bytes}. */
    private AsyncStreamingHandler outer;
    private AsyncStreamingHandler blocking;
    private AsyncStreamingHandler upload;

    /** A pump route ({@code /bytes}) and transparent-mode routes ({@code /blocking}, {@code /upload}), with these options. */
    private TestServer server(StreamingOptions.Builder options) {
        blocking = AsyncStreamingHandler.wrap(options.dispatch(dispatch).build(), new BlockingHandler(exchange -> {
            long size = Long.parseLong(exchange.getQueryParameters().get("size").getFirst());
            try (InputStream in = Pattern.stream(size); OutputStream out = exchange.getOutputStream()) {
                in.transferTo(out);
            }
        }));
        upload = AsyncStreamingHandler.wrap(options.dispatch(dispatch).build(), new BlockingHandler(exchange -> {
            long n = exchange.getInputStream().transferTo(OutputStream.nullOutputStream());
            exchange.getOutputStream().write(Long.toString(n).getBytes());
        }));
        HttpHandler routes = Handlers.path()
                .addPrefixPath("/bytes", exchange -> {
                    long size = Long.parseLong(exchange.getQueryParameters().get("size").getFirst());
                    Streaming.send(exchange, StreamingBody.ofInputStream(() -> Pattern.stream(size), size));
                })
                .addPrefixPath("/blocking", blocking)
                .addPrefixPath("/upload", upload);
        outer = AsyncStreamingHandler.wrap(options.dispatch(null).build(), routes);
        return TestServer.start(outer, b -> b.setSocketOption(Options.SEND_BUFFER, 16 * 1024).setWorkerThreads(8)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, -1L));
    }

    private static StreamingOptions.Builder minRates(long rate) {
        return StreamingOptions.builder().minRate(rate).minRequestRate(rate).minRateGrace(GRACE);
    }

    /** The counters of the handler that serves {@code route}. */
    private Streaming.Stats stats(String route) {
        return (route.equals("/bytes") ? outer : route.equals("/blocking") ? blocking : upload).statistics();
    }

    private List<Future<String>> honestClients(TestServer server, String route, boolean tls) {
        CountDownLatch started = new CountDownLatch(HONEST);
        List<Future<String>> downloads = new ArrayList<>();
        String path = route + "?size=" + HONEST_SIZE;
        for (int i = 0; i < HONEST; i++) {
            downloads.add(honest.submit(tls ? SlowReader.overTls(server.httpsPort(), path, HONEST_PACE, started)
                    : new SlowReader(server.httpPort(), path, HONEST_PACE, started)));
        }
        return downloads;
    }

    /**
     * Waits until the server has dropped {@code attackers} clients of {@code route} as too slow,
     * at most grace + window + slack from the attack's start; returns how long it took.
     */
    private Duration awaitDropped(String route, SlowHttpTest.Running attack) {
        java.util.function.LongSupplier dropped = () -> route.equals("/bytes") ? stats(route).tooSlow()
                : stats(route).dispatchedTooSlow();
        Duration deadline = GRACE.plus(WINDOW).plus(SLACK);
        io.github.undertowstreaming.it.support.Waits.await(() -> dropped.getAsLong() >= ATTACKERS,
                deadline.minusNanos(System.nanoTime() - attack.startedNanos),
                () -> dropped.getAsLong() + " of " + ATTACKERS + " attackers dropped within grace + window + slack ("
                        + deadline.toMillis() + " ms); " + stats(route));
        return Duration.ofNanos(System.nanoTime() - attack.startedNanos);
    }

    @ParameterizedTest(name = "{0}, TLS {1}")
    @CsvSource({"/bytes, false", "/bytes, true", "/blocking, false", "/blocking, true"})
    void slowReadAttackersAreDroppedWhileHonestSlowClientsOfTheSameRouteFinish(String route, boolean tls)
            throws Exception {
        try (TestServer server = server(minRates(MIN_RATE))) {
            List<Future<String>> downloads = honestClients(server, route, tls);
            URI target = tls ? server.https(route + "?size=" + (64L << 20)) : server.http(route + "?size=" + (64L << 20));
            SlowHttpTest.Running attack = SlowHttpTest.slowRead(target, ATTACKERS, ATTACK);
            Duration took = awaitDropped(route, attack);
            for (Future<String> d : downloads) {
                assertEquals(Pattern.digest(HONEST_SIZE), d.get(60, TimeUnit.SECONDS), "an honest client's body");
            }
            List<SlowHttpTest.Second> report = attack.report();
            Streaming.Stats s = stats(route);
            System.out.printf("[min-rate] slow read on %s%s: %d attackers dropped %d ms after the attack began"
                    + " (grace %d ms, window %d ms); %d honest clients byte-exact; handler %s; the tool's last second %s%n",
                    route, tls ? " over TLS" : "", ATTACKERS, took.toMillis(), GRACE.toMillis(), WINDOW.toMillis(), HONEST,
                    s, report.get(report.size() - 1));
            long dropped = route.equals("/bytes") ? s.tooSlow() : s.dispatchedTooSlow();
            assertEquals(ATTACKERS, dropped, () -> "clients dropped as too slow (the attackers, and no honest one): " + s);
            assertEquals(0, s.waitingForClients(), () -> "nobody waits any more: " + s);
        }
    }

    @Test
    void withMinRateZeroTheSameAttackersStayConnected() throws Exception {
        try (TestServer server = server(minRates(0))) {
            SlowHttpTest.Running attack = SlowHttpTest.slowRead(server.http("/bytes?size=" + (64L << 20)), ATTACKERS, ATTACK);
            // a second past grace and window, every attacker is still there, and waited on
            Duration past = GRACE.plus(WINDOW).plusSeconds(1);
            io.github.undertowstreaming.it.support.Waits.await(() -> stats("/bytes").waitingForClients() == ATTACKERS
                    && stats("/bytes").longestWait().compareTo(past) > 0,
                    ATTACK.minusMillis(500), () -> "the attackers are not all waited on " + past.toMillis() + " ms in: "
                            + stats("/bytes"));
            Streaming.Stats s = stats("/bytes");
            List<SlowHttpTest.Second> report = attack.report();
            SlowHttpTest.Second last = report.get(report.size() - 1);
            System.out.printf("[min-rate] slow read, min-rate=0: handler %s; the tool's last second %s%n", s, last);
            assertEquals(ATTACKERS, last.connected(), () -> "the attackers stay without min-rate: " + report);
            assertEquals(0, s.tooSlow());
            assertTrue(s.bytesHeldWaiting() > 0, () -> "the bytes they hold: " + s);
        }
    }

    @Test
    void slowPostAttackersAreDroppedByMinRequestRateInTransparentMode() throws Exception {
        try (TestServer server = server(minRates(MIN_RATE))) {
            SlowHttpTest.Running attack = SlowHttpTest.slowPost(server.http("/upload"), ATTACKERS, ATTACK);
            Duration took = awaitDropped("/upload", attack);
            List<SlowHttpTest.Second> report = attack.report();
            System.out.printf("[min-rate] slow POST: %d attackers dropped %d ms after the attack began; handler %s;"
                    + " the tool's last second %s%n", ATTACKERS, took.toMillis(), stats("/upload"), report.get(report.size() - 1));
            assertEquals(ATTACKERS, stats("/upload").dispatchedTooSlow());
        }
    }
}
