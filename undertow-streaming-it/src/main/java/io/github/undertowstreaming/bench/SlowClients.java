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

    /** The sections that {@link #runAlone} runs: 1c and 1d. */
    static final java.util.List<String> ALONE = java.util.List.of("memory", "fair-sharing", "blocking-routes", "slow-read-attack");

    /** One of {@link #ALONE}, by its id. */
    void runAlone(String id) throws Exception {
        if (id.equals("memory")) {
            memory();
        } else if (id.equals("fair-sharing")) {
            fairSharing();
        } else if (id.equals("blocking-routes")) {
            blockingRoutes();
        } else if (id.equals("slow-read-attack")) {
            slowReadAttack();
        } else {
            throw new IllegalArgumentException(id + " does not run alone; " + ALONE + " do");
        }
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
        blockingRoutes();
        slowReadAttack();
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
                fairRow(s, source[0], gated ? "gate (default)" : "no gate", o, gated ? without : null);
                System.out.printf("fair sharing, %s source, %s: %s in %.1f s, /ping p99 %.1f ms%n", source[0],
                        gated ? "gate" : "no gate", o.finishedText(), o.seconds(), o.ping.p99);
                if (!gated) {
                    without = o;
                }
            }
        }
        // issue 8, item 5: with dispatch=virtual, should Streaming.send read on virtual threads too?
        String reads = "virtual threads (executor)";
        if (VIRTUAL) {
            Outcome o = scenario(clients, "fair", sources[1][1], worker -> StreamingOptions.virtualThreads(), "fair-sharing");
            fairRow(s, sources[1][0], reads, o, null);
            System.out.printf("fair sharing, %s source, %s: %s in %.1f s, /ping p99 %.1f ms%n", sources[1][0], reads,
                    o.finishedText(), o.seconds(), o.ping.p99);
        } else {
            s.row(sources[1][0], reads, skipped(), null, null, null, null, null, null, null, null, null, null);
        }
        s.note("'" + reads + "' reads every body on a virtual thread of its own (the options' executor set to"
                + " StreamingOptions.virtualThreads(), which is also what dispatch=virtual gives Streaming.send), so the worker keeps"
                + " only /ping; the library does not gate a user's executor. Java 21 or later; skipped on older JVMs.");
    }

    /** One row of the fair-sharing section, with the JMX attributes of the scenario's handler. */
    private static void fairRow(Report.Section s, String source, String reads, Outcome o, Outcome without)
            throws Exception {
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName mbean = new javax.management.ObjectName(
                "io.github.undertowstreaming:type=AsyncStreamingHandler,name=fair-sharing");
        s.row(source, reads, o.finishedText(), o.secondsCell(), o.ping.p50, o.ping.p99, o.ping.max, o.peaks.busyWorkers,
                without != null ? o.ping.p99 / without.ping.p99 : null,
                jmx.getAttribute(mbean, "StreamsFinished"), jmx.getAttribute(mbean, "StreamsFailed"),
                ((Long) jmx.getAttribute(mbean, "BytesSent")) / MIB,
                ((Long) jmx.getAttribute(mbean, "ReadTimeMillis")) / 1000.0);
    }

    /** Whether this JVM has virtual threads: the rows that need them are skipped before Java 21. */
    private static final boolean VIRTUAL = Runtime.version().feature() >= 21;

    private static String skipped() {
        return "skipped: needs Java 21 or later (this is Java " + Runtime.version().feature() + ")";
    }

    /**
     * Section 1d: slow clients on blocking routes, five ways side by side: BlockingHandler on the
     * platform workers; virtual threads set as the dispatch executor the plain way, as Spring Boot
     * does (the waits for the socket stay XNIO's temporary selectors); the library's transparent
     * mode (dispatch=virtual, waits parked), and the same behind WildFly's listener timeouts; and
     * the library's pull pump, Streaming.send, for the same body. The virtual rows need Java 21 or
     * later.
     */
    private void blockingRoutes() throws Exception {
        long body = scale.blockingBody();
        long pace = scale.blockingPace();
        Report.Section s = report.section("blocking-routes", "1d. Slow clients on blocking routes: " + Throughput.size(body)
                        + " each at " + (pace >> 10) + " KiB/s, five ways",
                "clients", "way", "finished", "time until all finish (s)", "/ping p50 (ms)", "/ping p99 (ms)",
                "/ping max (ms)", "peak platform threads", "peak fds", "fds held (peak - before)",
                "heap per client (KiB)", "direct per client (KiB)");
        s.note("Five ways to serve the same body to the same slow clients (paced as in section 1): 'BlockingHandler'"
                + " writes to exchange.getOutputStream() on the " + Scale.WORKERS + " XNIO workers; 'setDispatchExecutor"
                + "(virtual)' runs that handler on a virtual thread per exchange, set by the outermost handler with"
                + " exchange.setDispatchExecutor, as Spring Boot does, so its waits for the socket are XNIO's temporary"
                + " selectors; 'transparent mode' is AsyncStreamingHandler with dispatch=virtual, whose waits park; the"
                + " same behind WildFly's listener timeouts (read and write 90 s, XNIO's READ_TIMEOUT and WRITE_TIMEOUT"
                + " on the listener, as every WildFly listener has by default), which the parked waits keep; 'pull"
                + " pump' is Streaming.send from /bytes with the library's defaults (reads on the XNIO worker).");
        s.note("With a dispatch executor set, /ping (which dispatches) runs on a virtual thread too. Platform threads"
                + " are ThreadMXBean's count (virtual threads are not in it), clients' and probe's included. File"
                + " descriptors are /proc/self/fd; server and clients share the process, so every connection holds two."
                + " This process may open " + maxFds() + " descriptors (the shell's ulimit -n).");
        s.note("Heap and direct memory per client come from a second pass on a fresh server, with the clients at a"
                + " quarter of the pace (so that every stream is still under way), since their full GCs would show in"
                + " /ping: a settled reading (after a full GC) once every client had its response head, or 5 s into"
                + " the load if not all had by then (BlockingHandler answers " + Scale.WORKERS + " at a time), less a"
                + " settled reading before the load, divided by the clients. Heap includes the stacks of parked virtual"
                + " threads. Every way's server has the same buffer pool: shared, with no per-thread cache"
                + " (new DefaultByteBufferPool(true, 16384, 2 x clients + 1024, 0)), the library's advice for a thread"
                + " per exchange; a backlog of at least the clients.");
        if (!VIRTUAL) {
            System.out.println("blocking routes: the virtual-thread rows are " + skipped());
        }
        String path = "?size=" + body;
        String[] ways = {"BlockingHandler, platform workers", "setDispatchExecutor(virtual)",
            "transparent mode (dispatch=virtual)", "pull pump (Streaming.send)",
            "transparent mode, WildFly's listener timeouts (90 s)"};
        for (int clients : scale.blockingClients()) {
            for (int way = 0; way < ways.length; way++) {
                boolean needsVirtual = way == 1 || way == 2 || way == 4;
                if (needsVirtual && !VIRTUAL) {
                    s.row(clients, ways[way], skipped(), null, null, null, null, null, null, null, null, null);
                    continue;
                }
                Outcome o;
                try (Servers servers = new Servers()) {
                    DemoServer server = servers.start(blockingSettings(way, clients), "blocking-routes");
                    o = measure(server, clients, (way == 3 ? "/bytes" : "/blocking/bytes") + path, pace, true);
                }
                double[] memory = memoryPerClient(blockingSettings(way, clients), clients,
                        (way == 3 ? "/bytes" : "/blocking/bytes") + path, pace / 4);
                s.row(clients, ways[way], o.finishedText(), o.secondsCell(), o.ping.p50, o.ping.p99, o.ping.max,
                        o.peaks.threads, o.peaks.fds, o.peaks.fds - o.fdsBefore, memory[0] / 1024.0, memory[1] / 1024.0);
                System.out.printf("blocking routes %4d, %s: %s in %.1f s, /ping p99 %.1f ms, %d platform threads,"
                        + " %d fds (%d held), %.1f KiB heap and %.1f KiB direct a client%n", clients, ways[way],
                        o.finishedText(), o.seconds(), o.ping.p99, o.peaks.threads, o.peaks.fds,
                        o.peaks.fds - o.fdsBefore, memory[0] / 1024.0, memory[1] / 1024.0);
            }
        }
    }

    /**
     * Section 1e: slow-read attackers beside honest slow clients on the same route, with
     * {@code min-rate} off and at its default. The attackers (the harness's own clients, 1 KiB of
     * receive buffer, reading 10 bytes a second on average) connect first; once the grace and a
     * window have passed, the honest clients download while /ping runs, and the handler's own
     * gauges tell what the attackers still hold.
     */
    private void slowReadAttack() throws Exception {
        long grace = scale.attackGraceMillis();
        long window = Math.max(1000, grace);
        Report.Section s = report.section("slow-read-attack", "1e. Slow-read attackers: " + scale.attackers()
                        + " beside " + scale.honestClients() + " honest clients (" + Throughput.size(scale.honestBody())
                        + " each at 64 KiB/s), min-rate off and on",
                "min-rate", "attackers dropped", "honest finished", "honest time (s)", "/ping p99 (ms)",
                "streams waiting for their client", "bytes they hold (MiB)", "longest wait (s)", "fds held (peak - before)");
        s.note("The attackers are the harness's NIO clients with a 1 KiB receive buffer, reading 10 bytes a second on"
                + " average, of a 64 MiB body from /bytes (Streaming.send); they connect first. Once min-rate-grace ("
                + grace + " ms) and a window (" + window + " ms) and 2 s more have passed, " + scale.honestClients()
                + " honest clients read " + Throughput.size(scale.honestBody()) + " each at 64 KiB/s from the same route"
                + " while /ping runs as in section 1. The waiting streams, the bytes they hold and the longest wait are the"
                + " handler's own gauges (statistics), read when the honest clients have finished; fds are /proc/self/fd.");
        for (long minRate : new long[] {0, StreamingOptions.DEFAULT_MIN_RATE}) {
            StreamingOptions options = StreamingOptions.builder().minRate(minRate)
                    .minRateGrace(java.time.Duration.ofMillis(grace)).name("slow-read-attack").build();
            try (Servers servers = new Servers()) {
                DemoServer server = servers.start(DemoServer.settings().ioThreads(2).sendBuffer(Scale.SERVER_SEND_BUFFER)
                        .backlog(Math.max(2048, scale.attackers())).options(options), "slow-read-attack");
                long fdsBefore = settledFileDescriptors();
                NioLoad attackers = new NioLoad(server.port(), "/bytes?size=" + (64L << 20), scale.attackers(), 10, 1024, true);
                FutureTask<NioLoad.Result> attack = new FutureTask<>(() -> attackers.run(TimeUnit.MINUTES.toNanos(5)));
                Thread t = new Thread(attack, "bench-attackers");
                t.setDaemon(true);
                t.start();
                try {
                    attackers.ready.await(30, TimeUnit.SECONDS);
                    Thread.sleep(grace + window + 2000); // the grace, a window, and slack: a measurement's schedule
                    Outcome honest = measure(server, scale.honestClients(), "/bytes?size=" + scale.honestBody(),
                            64 * 1024, false);
                    long dropped = jmx("TooSlow");
                    long waiting = jmx("WaitingForClients");
                    double heldMib = jmx("BytesHeldWaiting") / (double) (1 << 20);
                    s.row(minRate == 0 ? "off" : minRate + " B/s (default)", dropped, honest.finishedText(),
                            honest.secondsCell(), honest.ping.p99, waiting, heldMib, jmx("LongestWaitMillis") / 1000.0,
                            honest.peaks.fds - fdsBefore);
                    System.out.printf("slow-read attack, min-rate %d: %d attackers dropped; honest %s in %.1f s, /ping p99"
                            + " %.1f ms; %d streams waiting, %.1f MiB held%n", minRate, dropped, honest.finishedText(),
                            honest.seconds(), honest.ping.p99, waiting, heldMib);
                } finally {
                    attackers.stop();
                    try {
                        attack.get(60, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        // attackers that the server dropped fail: that is the point
                    }
                }
            }
        }
    }

    /** An attribute of the section 1e handler's MBean (its options name it "slow-read-attack"). */
    private static long jmx(String attribute) throws Exception {
        return ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(new javax.management.ObjectName(
                "io.github.undertowstreaming:type=AsyncStreamingHandler,name=slow-read-attack"), attribute)).longValue();
    }

    /**
     * The server of one way of section 1d: a backlog for every client at once (Linux caps it at
     * net.core.somaxconn), and a buffer pool shared by all threads with no per-thread cache, the
     * library's advice for a thread per exchange (Undertow.builder()'s pool would hand each
     * virtual thread's buffers to the garbage collector).
     */
    private static DemoServer.Settings blockingSettings(int way, int clients) {
        DemoServer.Settings settings = DemoServer.settings().ioThreads(2).sendBuffer(Scale.SERVER_SEND_BUFFER)
                .backlog(Math.max(2048, clients))
                .bufferPool(new io.undertow.server.DefaultByteBufferPool(true, DemoServer.BUFFER_SIZE, 2 * clients + 1024, 0));
        if (way == 1) {
            settings.plainDispatch(StreamingOptions.virtualThreads());
        } else if (way == 2 || way == 4) {
            settings.options(StreamingOptions.builder().dispatch(StreamingOptions.virtualThreads()).build());
        }
        if (way == 4) {
            settings.listenerTimeouts(90_000);
        }
        return settings;
    }

    /**
     * Heap and direct memory per client, {heap, direct} in bytes, in a pass of its own on a fresh
     * server (its full GCs would show in /ping): a settled reading before the load, and one once
     * every client has its response head or 5 s in, less the first, divided by the clients. The
     * clients read at {@code pace}, slow enough that every stream is still under way.
     */
    private double[] memoryPerClient(DemoServer.Settings settings, int clients, String path, long pace) throws Exception {
        try (Servers servers = new Servers()) {
            DemoServer server = servers.start(settings, "blocking-routes-memory");
            long[] before = settledMemory();
            NioLoad load = new NioLoad(server.port(), path, clients, pace, Scale.CLIENT_RECEIVE_BUFFER, true);
            FutureTask<NioLoad.Result> task = new FutureTask<>(() -> load.run(TimeUnit.SECONDS.toNanos(120)));
            Thread t = new Thread(task, "bench-memory-clients");
            t.setDaemon(true);
            t.start();
            try {
                load.ready.await(5, TimeUnit.SECONDS); // bounded: BlockingHandler answers a few at a time
                long[] during = settledMemory();
                return new double[] {(double) (during[0] - before[0]) / clients, (double) (during[1] - before[1]) / clients};
            } finally {
                load.stop();
                try {
                    task.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw new IOException("the memory clients failed", e.getCause());
                }
            }
        }
    }

    /** The most descriptors this process may open, as the shell's ulimit -n set it, or "unknown". */
    private static String maxFds() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.UnixOperatingSystemMXBean unix
                ? String.valueOf(unix.getMaxFileDescriptorCount()) : "unknown";
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
        /** Open descriptors before the load. */
        long fdsBefore = -1;

        Outcome(NioLoad.Result load, Pinger.Result ping, Probe.Peaks peaks, long capNanos) {
            this.load = load;
            this.ping = ping;
            this.peaks = peaks;
            this.capNanos = capNanos;
        }

        double seconds() {
            return load.seconds(capNanos);
        }

        Object secondsCell() {
            return load.secondsCell(capNanos);
        }

        String finishedText() {
            return load.finishedText(capNanos);
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
            return measure(server, clients, path, scale.slowPace(), false);
        }
    }

    /**
     * {@code clients} slow clients of {@code path} on {@code server} at {@code pace} bytes per
     * second each, capped at the scale's cap, with the probe and the pinger. With {@code memory},
     * the load runs on a thread of its own, and memory is read settled before it and once every
     * client has its response head (or 5 s in).
     */
    private Outcome measure(DemoServer server, int clients, String path, long pace, boolean settleFds) throws Exception {
        long cap = TimeUnit.SECONDS.toNanos(scale.slowCapSeconds());
        long fdsBefore = settleFds ? settledFileDescriptors() : Probe.openFileDescriptors();
        Probe probe = new Probe(server, 20);
        Pinger pinger = new Pinger(server.port(), PING_INTERVAL_MS);
        probe.start();
        pinger.start();
        NioLoad.Result load = new NioLoad(server.port(), path, clients, pace, Scale.CLIENT_RECEIVE_BUFFER, true).run(cap);
        Pinger.Result ping = pinger.stop();
        Probe.Peaks peaks = probe.stop();
        if (ping.failure != null) {
            throw new IllegalStateException("/ping failed during the load: " + ping.failure);
        }
        Outcome o = new Outcome(load, ping, peaks, cap);
        o.fdsBefore = fdsBefore;
        return o;
    }

    /**
     * Open descriptors once the GC and finalization have closed what an earlier scenario's
     * temporary selectors left (XNIO closes them only from a finalizer): polled until two readings
     * agree, 5 s at most.
     */
    @SuppressWarnings("removal") // Runtime.runFinalization: deprecated for removal after Java 17, still there in 25
    private static long settledFileDescriptors() throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 50; i++) {
            System.gc();
            Runtime.getRuntime().runFinalization();
            long now = Probe.openFileDescriptors();
            if (now == last) {
                return now;
            }
            last = now;
            Thread.sleep(100); // polling the descriptor count with a deadline
        }
        return last;
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
                "direct per connection (bytes)", "target: (1 + read-ahead) chunks + 1 KiB (bytes)",
                "held by the stream, library's count (bytes)");
        s.note("Fresh server, " + Scale.WORKERS + " workers, same socket buffers as section 1. 'Idle' connections are"
                + " open and have sent nothing; 'stalled' ones each have a /bytes stream whose client read 16 KiB and"
                + " stopped, so the pump waits on a full socket holding its one chunk; the reading comes "
                + STALLED_SETTLE_MILLIS + " ms after no byte moved, once each stream has given its pooled buffers back to"
                + " the pool (after half a second of waiting) and kept its unsent bytes. Per-connection figures are"
                + " (step - baseline) / connections and include Undertow's connection and exchange, not only the library."
                + " The server's pool is Undertow's default (DefaultByteBufferPool, no bound on the free buffers it"
                + " keeps), so buffers a stream gave back stay in the direct figure, free for streams that move; the"
                + " last column is what the streams hold themselves (Streaming.stats().bytesHeldWaiting() / streams).");
        try (Servers servers = new Servers()) {
            DemoServer server = servers.start("memory", Scale.SERVER_SEND_BUFFER, StreamingOptions.defaults());
            long[] base = settledMemory();
            s.row("baseline", 0, base[0] / MIB, base[1] / MIB, null, null, null, null);

            long[] idle = hold(new NioLoad(server.port(), "/", n, 0, Scale.CLIENT_RECEIVE_BUFFER, false), 0);
            s.row("idle connections", n, idle[0] / MIB, idle[1] / MIB, (double) (idle[0] - base[0]) / n,
                    (double) (idle[1] - base[1]) / n, null, null);

            long[] stalled = hold(new NioLoad(server.port(), "/bytes?size=" + (64L << 20), n, 1,
                    Scale.CLIENT_RECEIVE_BUFFER, true), n);
            // the default chunk: StreamingOptions.DEFAULT_CHUNK_BUFFERS pooled buffers
            long chunk = (long) io.github.undertowstreaming.StreamingOptions.DEFAULT_CHUNK_BUFFERS * DemoServer.BUFFER_SIZE;
            s.row("stalled streams", n, stalled[0] / MIB, stalled[1] / MIB, (double) (stalled[0] - base[0]) / n,
                    (double) (stalled[1] - base[1]) / n, chunk + 1024, (double) stalled[2] / n);
            System.out.printf("memory: %d stalled streams: heap %.0f B/stream, direct %.0f B/stream%n", n,
                    (double) (stalled[0] - base[0]) / n, (double) (stalled[1] - base[1]) / n);
        }
    }

    /**
     * How long section 1b waits once its streams are stalled before it reads memory: a stream gives
     * its pooled buffers back after half a second of waiting for its client (its timer looks every
     * half second).
     */
    private static final long STALLED_SETTLE_MILLIS = 1500;

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
            long held = 0;
            if (streams > 0) {
                awaitStalled(inFlightBefore + streams);
                Thread.sleep(STALLED_SETTLE_MILLIS); // a fixed settle, stated in the section's notes
                held = Streaming.stats().bytesHeldWaiting();
            }
            long[] m = settledMemory();
            return new long[] {m[0], m[1], held};
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
