package io.github.undertowstreaming.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.DemoServer;

/**
 * Section 1: many slow clients, BlockingHandler against the library, with {@code /ping} answered
 * by a worker during the load; and the memory one stalled stream costs. Runs on the main thread;
 * the clients run on one selector thread, the pinger and the probe on one thread each.
 */
final class SlowClients {

    private static final double MIB = 1024.0 * 1024.0;
    private static final long PING_INTERVAL_MS = 10;

    private final Scale scale;
    private final Report report;
    private final Chart chart;

    SlowClients(Scale scale, Report report, Chart chart) {
        this.scale = scale;
        this.report = report;
        this.chart = chart;
    }

    void run() throws Exception {
        Report.Section s = report.section("slow-clients",
                "1. Slow clients: " + Scale.WORKERS + " worker threads, " + Throughput.size(scale.slowBody()) + " each at "
                        + (scale.slowPace() >> 10) + " KiB/s",
                "clients", "handler", "finished", "time until all finish (s)", "time ÷ one client's",
                "/ping p50 (ms)", "/ping p99 (ms)", "/ping max (ms)", "pings answered", "pings unanswered",
                "peak busy workers", "peak JVM threads", "peak heap (MiB)", "peak direct (MiB)",
                "time ÷ BlockingHandler's", "/ping p99 ÷ BlockingHandler's");
        s.note("Server and clients run in one JVM. The clients are paced NIO connections on one selector thread"
                + " (a client ahead of its pace stops reading, so its socket fills); /ping goes every " + PING_INTERVAL_MS + " ms over"
                + " one keep-alive connection, its percentiles corrected for coordinated omission (HdrHistogram).");
        s.note("Socket buffers: server SO_SNDBUF " + Scale.SERVER_SEND_BUFFER + " bytes requested (Options.SEND_BUFFER),"
                + " client SO_RCVBUF " + Scale.CLIENT_RECEIVE_BUFFER + " bytes requested (the client socket reports %d);"
                + " Linux doubles both for its bookkeeping (socket(7)). Body " + scale.slowBody() + " bytes, so the"
                + " buffers hold a few percent of it.");
        s.note("Each scenario is capped at " + scale.slowCapSeconds() + " s; a capped one reports how many clients had"
                + " finished by then, and its time is the cap (a lower bound, shown with ≥).");
        s.note("Peaks are sampled every 20 ms: busy workers by WorkerThreads.busy (the XNIO MXBean answers -1 with its"
                + " default EnhancedQueueExecutor, so busy threads are counted from stack samples), threads by ThreadMXBean,"
                + " heap used by MemoryMXBean (garbage included), direct by the 'direct' BufferPoolMXBean.");
        scenario(4, true); // warm-up of both paths (classes, JIT), not reported
        scenario(4, false);
        memory(); // before the big scenarios leave much for the GC and the cleaners to free
        double oneClient = Double.NaN;
        int effectiveRcv = -1;
        for (int clients : scale.slowClients()) {
            Outcome blocking = scenario(clients, true);
            Outcome library = scenario(clients, false);
            effectiveRcv = library.load.effectiveReceiveBuffer;
            if (clients == 1) {
                oneClient = library.seconds();
            }
            for (Outcome o : new Outcome[] {blocking, library}) {
                boolean lib = o == library;
                s.row(clients, lib ? "library" : "BlockingHandler", o.finishedText(), o.secondsCell(),
                        o.load.allFinished() ? (Object) (o.seconds() / oneClient) : "≥ " + Report.cell(o.seconds() / oneClient),
                        o.ping.p50, o.ping.p99, o.ping.max, o.ping.answered, o.ping.unanswered,
                        o.peaks.busyWorkers, o.peaks.threads, o.peaks.heap / MIB, o.peaks.direct / MIB,
                        lib ? bounded(library.seconds() / blocking.seconds(), blocking) : null,
                        lib ? bounded(library.ping.p99 / blocking.ping.p99, blocking) : null);
                String series = lib ? "library" : "BlockingHandler";
                chart.finish.addValue(o.seconds(), series, String.valueOf(clients));
                chart.ping.addValue(Math.max(0.1, o.ping.p99), series, String.valueOf(clients));
            }
            System.out.printf("slow clients %4d: BlockingHandler %s in %.1f s, p99 %.1f ms | library %s in %.1f s, p99 %.1f ms%n",
                    clients, blocking.finishedText(), blocking.seconds(), blocking.ping.p99,
                    library.finishedText(), library.seconds(), library.ping.p99);
        }
        s.notes.set(1, String.format(s.notes.get(1), effectiveRcv));
        fairSharing();
    }

    /**
     * Section 1c: fair sharing. Many slow clients of the library on {@link Scale#WORKERS} workers,
     * from a fast source and from one that takes 1 ms per 16 KiB read, with the library's read
     * gate (the default: at most half the workers read at once, the rest wait in the library's
     * queue) and without it (the same worker given as a user executor, which has no gate).
     */
    private void fairSharing() throws Exception {
        int clients = scale.fairClients();
        Report.Section s = report.section("fair-sharing",
                "1c. Fair sharing: " + clients + " slow clients of the library on " + Scale.WORKERS + " workers",
                "source", "reads", "finished", "time until all finish (s)", "/ping p50 (ms)", "/ping p99 (ms)",
                "/ping max (ms)", "peak busy workers", "/ping p99 ÷ without the gate's",
                "JMX: finished", "JMX: failed", "JMX: bytes sent (MiB)", "JMX: read time (s)");
        s.note("The JMX columns are the attributes of the handler's MBean (io.github.undertowstreaming:"
                + "type=AsyncStreamingHandler,name=fair-sharing), read when the scenario ended: each scenario"
                + " has a fresh server, whose handler replaces the MBean of the one before.");
        s.note("Same clients, pace and /ping as section 1. 'gate' is the default: with the connection's worker as"
                + " executor, at most half its threads (" + (Scale.WORKERS / 2) + ") run reads at once and the other"
                + " streams' next reads wait in the library's own first-in-first-out queue, so a worker route finds a"
                + " free thread. 'no gate' gives the same worker as the executor in the options, which the library"
                + " treats as the user's own executor and does not gate: every read waits in the worker's one queue.");
        String[][] sources = {{"fast", "/bytes?size=" + scale.slowBody()},
            {"1 ms per 16 KiB read", "/bytes?size=" + scale.slowBody() + "&chunk=16384&delayMs=1"}};
        for (String[] source : sources) {
            Outcome without = null;
            for (boolean gated : new boolean[] {false, true}) {
                Outcome o = scenario(clients, "fair", source[1], gated ? null : worker -> worker, "fair-sharing");
                javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
                javax.management.ObjectName mbean = new javax.management.ObjectName(
                        "io.github.undertowstreaming:type=AsyncStreamingHandler,name=fair-sharing");
                s.row(source[0], gated ? "gate (default)" : "no gate", o.finishedText(), o.secondsCell(),
                        o.ping.p50, o.ping.p99, o.ping.max, o.peaks.busyWorkers,
                        gated ? o.ping.p99 / without.ping.p99 : null,
                        jmx.getAttribute(mbean, "StreamsFinished"), jmx.getAttribute(mbean, "StreamsFailed"),
                        ((Long) jmx.getAttribute(mbean, "BytesSent")) / MIB,
                        ((Long) jmx.getAttribute(mbean, "ReadTimeMillis")) / 1000.0);
                System.out.printf("fair sharing, %s source, %s: %s in %.1f s, /ping p99 %.1f ms%n", source[0],
                        gated ? "gate" : "no gate", o.finishedText(), o.seconds(), o.ping.p99);
                if (!gated) {
                    without = o;
                }
            }
        }
    }

    /** A ratio to a capped BlockingHandler run is an upper bound: its figures are lower bounds. */
    private static Object bounded(double ratio, Outcome blocking) {
        return blocking.load.allFinished() ? (Object) ratio : "≤ " + Report.cell(ratio);
    }

    /** What one scenario saw. */
    private static final class Outcome {
        final NioLoad.Result load;
        final Pinger.Result ping;
        final Probe.Peaks peaks;
        final long capNanos;

        Outcome(NioLoad.Result load, Pinger.Result ping, Probe.Peaks peaks, long capNanos) {
            this.load = load;
            this.ping = ping;
            this.peaks = peaks;
            this.capNanos = capNanos;
        }

        double seconds() {
            return (load.allFinished() ? load.allFinishedNanos : capNanos) / 1e9;
        }

        Object secondsCell() {
            return load.allFinished() ? (Object) seconds() : "≥ " + Report.cell(seconds());
        }

        String finishedText() {
            String text = load.allFinished() ? "all " + load.clients
                    : load.finished + " of " + load.clients + " by the " + Report.cell(capNanos / 1e9) + " s cap";
            return load.failed == 0 ? text : text + " (" + load.failed + " failed: " + load.firstFailure + ")";
        }
    }

    private Outcome scenario(int clients, boolean blocking) throws Exception {
        return scenario(clients, blocking ? "blocking" : "library",
                (blocking ? "/blocking/bytes" : "/bytes") + "?size=" + scale.slowBody(), null, null);
    }

    /**
     * One load of {@code clients} slow clients on {@code path} of a fresh server. With an
     * {@code executor} (given the server's XNIO worker), the library reads there as on a user's
     * executor; without, on the worker with the library's defaults.
     */
    private Outcome scenario(int clients, String name, String path,
            java.util.function.Function<java.util.concurrent.Executor, java.util.concurrent.Executor> executor,
            String handlerName) throws Exception {
        long cap = TimeUnit.SECONDS.toNanos(scale.slowCapSeconds());
        try (Servers servers = new Servers()) {
            java.util.concurrent.atomic.AtomicReference<java.util.concurrent.Executor> worker =
                    new java.util.concurrent.atomic.AtomicReference<>();
            StreamingOptions.Builder b = StreamingOptions.builder();
            if (executor != null) {
                b.executor(task -> worker.get().execute(task));
            }
            if (handlerName != null) {
                b.name(handlerName);
            }
            StreamingOptions options = executor == null && handlerName == null ? StreamingOptions.defaults() : b.build();
            DemoServer server = servers.start(name, Scale.SERVER_SEND_BUFFER, options);
            if (executor != null) {
                worker.set(executor.apply(server.undertow().getWorker()));
            }
            Probe probe = new Probe(server, 20);
            Pinger pinger = new Pinger(server.port(), PING_INTERVAL_MS);
            probe.start();
            pinger.start();
            NioLoad.Result load = new NioLoad(server.port(), path, clients, scale.slowPace(),
                    Scale.CLIENT_RECEIVE_BUFFER, true).run(cap);
            Pinger.Result ping = pinger.stop();
            Probe.Peaks peaks = probe.stop();
            if (ping.failure != null) {
                throw new IllegalStateException("/ping failed during the load: " + ping.failure);
            }
            return new Outcome(load, ping, peaks, cap);
        }
    }

    /**
     * Section 1b: heap and direct memory per stalled stream. A fresh server; N connections that
     * send nothing, then N streams whose clients read 16 KiB and stop, so each pump waits on a
     * full socket. Memory is read after a full GC at each step, against a baseline.
     */
    private void memory() throws Exception {
        int n = scale.memoryStreams();
        Report.Section s = report.section("memory", "1b. Memory per stalled slow stream (library, read-ahead 0)",
                "what", "connections", "heap after GC (MiB)", "direct (MiB)", "heap per connection (bytes)",
                "direct per connection (bytes)", "target: (1 + read-ahead) chunks + 1 KiB (bytes)");
        s.note("Fresh server, " + Scale.WORKERS + " workers, same socket buffers as section 1. 'Idle' connections are"
                + " open and have sent nothing; 'stalled' ones each have a /bytes stream whose client read 16 KiB and"
                + " stopped, so the pump waits on a full socket holding its one chunk. Per-connection figures are"
                + " (step - baseline) / connections and include Undertow's connection and exchange, not only the library.");
        try (Servers servers = new Servers()) {
            DemoServer server = servers.start("memory", Scale.SERVER_SEND_BUFFER, StreamingOptions.defaults());
            long[] base = settledMemory();
            s.row("baseline", 0, base[0] / MIB, base[1] / MIB, null, null, null);

            long[] idle = hold(new NioLoad(server.port(), "/", n, 0, Scale.CLIENT_RECEIVE_BUFFER, false), 0);
            s.row("idle connections", n, idle[0] / MIB, idle[1] / MIB, (double) (idle[0] - base[0]) / n,
                    (double) (idle[1] - base[1]) / n, null);

            long[] stalled = hold(new NioLoad(server.port(), "/bytes?size=" + (64L << 20), n, 1,
                    Scale.CLIENT_RECEIVE_BUFFER, true), n);
            // the default chunk: StreamingOptions.DEFAULT_CHUNK_BUFFERS pooled buffers
            long chunk = (long) io.github.undertowstreaming.StreamingOptions.DEFAULT_CHUNK_BUFFERS * DemoServer.BUFFER_SIZE;
            s.row("stalled streams", n, stalled[0] / MIB, stalled[1] / MIB, (double) (stalled[0] - base[0]) / n,
                    (double) (stalled[1] - base[1]) / n, chunk + 1024);
            System.out.printf("memory: %d stalled streams: heap %.0f B/stream, direct %.0f B/stream%n", n,
                    (double) (stalled[0] - base[0]) / n, (double) (stalled[1] - base[1]) / n);
        }
    }

    /** Runs {@code load} until every client is ready (and {@code streams} streams are stalled), measures, stops it. */
    private long[] hold(NioLoad load, int streams) throws Exception {
        long inFlightBefore = Streaming.stats().inFlight();
        FutureTask<NioLoad.Result> task = new FutureTask<>(() -> load.run(TimeUnit.SECONDS.toNanos(60)));
        Thread t = new Thread(task, "bench-memory-clients");
        t.setDaemon(true);
        t.start();
        try {
            if (!load.ready.await(30, TimeUnit.SECONDS)) {
                throw new TimeoutException("only " + (load.ready.getCount()) + " clients were not ready after 30 s");
            }
            if (streams > 0) {
                awaitStalled(inFlightBefore + streams);
            }
            return settledMemory();
        } finally {
            load.stop();
            try {
                NioLoad.Result r = task.get(30, TimeUnit.SECONDS);
                if (r.failed > 0) {
                    throw new IllegalStateException(r.failed + " memory clients failed: " + r.firstFailure);
                }
            } catch (ExecutionException e) {
                throw new IOException("the memory clients failed", e.getCause());
            }
        }
    }

    /** Polls until {@code inFlight} streams are under way and no bytes moved for 300 ms (30 s at most). */
    private static void awaitStalled(long inFlight) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = -1;
        int quiet = 0;
        while (quiet < 3) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("streams did not stall within 30 s: " + Streaming.stats());
            }
            Thread.sleep(100); // polling the counters with a deadline
            Streaming.Stats st = Streaming.stats();
            quiet = st.inFlight() >= inFlight && st.bytesSent() == last ? quiet + 1 : 0;
            last = st.bytesSent();
        }
    }

    /**
     * Heap used after a full GC, and direct memory used once the cleaners have freed what the GC
     * found: {heap, direct}. Polls until direct memory holds still (3 s at most).
     */
    private static long[] settledMemory() throws InterruptedException {
        long direct = -1;
        for (int i = 0; i < 30; i++) {
            System.gc();
            Thread.sleep(100); // polling: the cleaners free direct buffers after the GC
            long now = Probe.directMemoryUsed();
            if (now == direct) {
                break;
            }
            direct = now;
        }
        System.gc();
        return new long[] {ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Probe.directMemoryUsed()};
    }
}
