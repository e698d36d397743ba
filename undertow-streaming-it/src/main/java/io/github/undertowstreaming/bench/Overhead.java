package io.github.undertowstreaming.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.DemoServer;
import io.undertow.predicate.Predicates;

/**
 * Section 4: what {@link io.github.undertowstreaming.AsyncStreamingHandler} costs an exchange that
 * does not stream. Three servers answer {@code GET /hello} on the IO thread: without the handler,
 * with it (options attached), and with it and a skip list that matches. Rounds alternate between
 * them; allocation is what the servers' IO threads allocated, per request. Main thread; the
 * clients are a few blocking keep-alive connections on their own threads.
 */
final class Overhead {

    private static final int CLIENT_THREADS = 2;

    private final Scale scale;
    private final Report report;

    Overhead(Scale scale, Report report) {
        this.scale = scale;
        this.report = report;
    }

    private static final class Variant {
        final String label;
        final DemoServer server;
        long requests;
        long nanos;
        long allocated;
        double slowest = Double.MAX_VALUE;
        double fastest;

        Variant(String label, DemoServer server) {
            this.label = label;
            this.server = server;
        }

        double perSecond() {
            return requests / (nanos / 1e9);
        }
    }

    void run() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);
        try (Servers servers = new Servers()) {
            List<Variant> variants = List.of(
                    new Variant("no AsyncStreamingHandler", servers.start(DemoServer.settings().ioThreads(1).asyncStreaming(false), "plain")),
                    new Variant("AsyncStreamingHandler, not skipped", servers.start(oneIoThread(StreamingOptions.defaults()), "async")),
                    new Variant("AsyncStreamingHandler, skip list matches (true)", servers.start(oneIoThread(
                            StreamingOptions.builder().skip(Predicates.truePredicate()).build()), "skip-true")),
                    new Variant("AsyncStreamingHandler, skip list matches (upgrade or prefix /hello)",
                            servers.start(oneIoThread(StreamingOptions.builder().skip(Predicates.or(
                                    StreamingOptions.upgradeRequests(), Predicates.prefix("/hello"))).build()), "skip-prefix")));
            for (Variant v : variants) {
                round(v, clients, scale.overheadMillis() / 2, false); // warm-up, not counted
            }
            for (int r = 0; r < scale.overheadRounds(); r++) {
                for (int k = 0; k < variants.size(); k++) {
                    round(variants.get((k + r) % variants.size()), clients, scale.overheadMillis(), true);
                }
            }
            Report.Section s = report.section("overhead", "4. Overhead on exchanges that do not stream (GET /hello)",
                    "front", "requests/s", "requests/s, slowest round", "requests/s, fastest round", "÷ without the handler", "overhead (%)", "bytes allocated per request (server IO threads)",
                    "extra bytes per request");
            s.note("Each server has one IO thread, which answers /hello and is the bottleneck; " + CLIENT_THREADS
                    + " client threads, each one keep-alive connection sending requests back to back; "
                    + scale.overheadRounds() + " round(s) of " + scale.overheadMillis() + " ms per variant, alternating"
                    + " in rotating order, after a warm-up. Server and clients share the JVM and its 2 cores.");
            s.note("Allocation is com.sun.management.ThreadMXBean.getThreadAllocatedBytes over the server's IO threads"
                    + " (clients excluded), divided by the requests served.");
            Variant base = variants.get(0);
            double basePerRequest = (double) base.allocated / base.requests;
            for (Variant v : variants) {
                double perRequest = (double) v.allocated / v.requests;
                s.row(v.label, v.perSecond(), v.slowest, v.fastest, v.perSecond() / base.perSecond(),
                        (base.perSecond() / v.perSecond() - 1) * 100, perRequest, perRequest - basePerRequest);
                System.out.printf("overhead | %-66s %9.0f req/s %7.0f B/req%n", v.label, v.perSecond(), perRequest);
            }
        } finally {
            clients.shutdownNow();
            clients.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static DemoServer.Settings oneIoThread(StreamingOptions options) {
        return DemoServer.settings().ioThreads(1).options(options);
    }

    private static void round(Variant v, ExecutorService clients, long millis, boolean count) throws Exception {
        long[] io = ioThreads(v.server);
        long allocatedBefore = allocated(io);
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.MILLISECONDS.toNanos(millis);
        List<Future<Long>> done = new ArrayList<>();
        for (int i = 0; i < CLIENT_THREADS; i++) {
            done.add(clients.submit(() -> {
                long n = 0;
                try (KeepAliveClient c = new KeepAliveClient(v.server.port(), 10_000)) {
                    while (System.nanoTime() < end) {
                        if (c.get("/hello") != 200) {
                            throw new IllegalStateException("/hello did not answer 200");
                        }
                        n++;
                    }
                }
                return n;
            }));
        }
        long requests = 0;
        for (Future<Long> f : done) {
            requests += f.get(millis + 30_000, TimeUnit.MILLISECONDS);
        }
        long nanos = System.nanoTime() - t0;
        long allocated = allocated(io) - allocatedBefore;
        if (count) {
            v.requests += requests;
            v.nanos += nanos;
            v.allocated += allocated;
            double perSecond = requests / (nanos / 1e9);
            v.slowest = Math.min(v.slowest, perSecond);
            v.fastest = Math.max(v.fastest, perSecond);
        }
    }

    /** The ids of the server's IO threads ("name I/O-n"). */
    private static long[] ioThreads(DemoServer server) {
        String prefix = server.worker().getName() + " I/O-";
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<Long> ids = new ArrayList<>();
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith(prefix)) {
                ids.add(t.getThreadId());
            }
        }
        if (ids.isEmpty()) {
            throw new IllegalStateException("no IO threads named " + prefix + "*");
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static long allocated(long[] ids) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long a : mx.getThreadAllocatedBytes(ids)) {
            sum += Math.max(0, a);
        }
        return sum;
    }
}
