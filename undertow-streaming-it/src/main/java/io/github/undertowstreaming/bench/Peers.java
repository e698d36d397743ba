package io.github.undertowstreaming.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * Section 1f: the same slow clients served by the library's peers, each server in a JVM of its
 * own (so that its threads, descriptors, RSS and CPU are its own): Jetty 12.1 on virtual threads,
 * Helidon 4 SE, plain Undertow on virtual threads, {@code BlockingHandler} on platform workers, the
 * pull pump and transparent mode. The servers are the module undertow-streaming-peers (Java 21),
 * launched with the class path its build wrote to the file that the system property
 * {@value #CLASSPATH_PROPERTY} names. Runs on the main thread; Java 21 or later, skipped before.
 */
final class Peers {

    static final String ID = "peers";

    /** The system property that names the peers module's class path file (target/peers.classpath). */
    static final String CLASSPATH_PROPERTY = "peers.classpath";

    /** The peers by their id in undertow-streaming-peers, with the names the table gives them, in its order. */
    private static final Map<String, String> PEERS = new LinkedHashMap<>();

    static {
        PEERS.put("jetty", "Jetty 12.1, virtual threads");
        PEERS.put("helidon", "Helidon 4 SE");
        PEERS.put("undertow-virtual", "Undertow, setDispatchExecutor(virtual)");
        PEERS.put("undertow-blocking", "Undertow BlockingHandler, platform workers");
        PEERS.put("pull-pump", "library: pull pump (Streaming.send)");
        PEERS.put("transparent", "library: transparent mode (dispatch=virtual)");
        PEERS.put("pull-pump-read-ahead", "library: pull pump, read-ahead=1");
        PEERS.put("pull-pump-virtual-reads", "library: pull pump, reads on virtual threads");
    }

    /**
     * The servers of a run that names none: the six. The last two of {@link #PEERS} are settings
     * of the pull pump, run when {@code -Dbench.peers} names them: what its CPU per byte costs in
     * memory, and where its hops go.
     */
    private static final List<String> DEFAULT_PEERS = List.copyOf(PEERS.keySet()).subList(0, 6);

    private static final long PING_INTERVAL_MS = 50;
    private static final long PACE = 256 * 1024;
    private static final int BACKLOG = 4096;
    private static final long STALLED_BODY = 64L << 20;
    private static final double KIB = 1024.0;

    private final Scale scale;
    private final Report report;
    private final Path logs;

    Peers(Scale scale, Report report, Path out) {
        this.scale = scale;
        this.report = report;
        this.logs = out.resolve("peer-logs");
    }

    void run() throws Exception {
        Report.Section s = report.section(ID, "1f. Peers: " + Throughput.size(scale.peerBody()) + " each at "
                        + (PACE >> 10) + " KiB/s from Jetty, Helidon and Undertow, each server in a JVM of its own",
                "clients", "server", "finished", "time until all finish (s)", "/ping p99 (ms)", "pings answered",
                "peak threads", "peak fds", "fds per client", "RSS per client (KiB)", "server CPU (s)",
                "heap per stalled stream (KiB)", "direct per stalled stream (KiB)", "heap + direct per stalled stream (KiB)",
                "streams under way (memory pass)");
        notes(s);
        String skipped = skipReason();
        if (skipped != null) {
            s.row(null, "all six", "skipped: " + skipped, null, null, null, null, null, null, null, null, null, null, null,
                    null);
            System.out.println("peers: skipped: " + skipped);
            return;
        }
        Path classpath = Paths.get(System.getProperty(CLASSPATH_PROPERTY));
        for (String peer : PEERS.keySet()) {
            Files.deleteIfExists(logs.resolve(peer + ".log")); // a log holds this run's JVMs of that peer
        }
        Map<String, String> settings = new LinkedHashMap<>();
        // For a profiling run of a few servers at one size (-Dbench.peers=pull-pump,jetty
        // -Dbench.peerClients=4096); a report made so says so in its notes.
        List<String> chosen = listProperty("bench.peers", DEFAULT_PEERS);
        List<Integer> sizes = listProperty("bench.peerClients", List.of()).stream().map(Integer::valueOf).toList();
        if (!sizes.isEmpty() || !chosen.equals(DEFAULT_PEERS)) {
            s.note("A partial run: servers " + chosen + ", clients " + (sizes.isEmpty() ? scale.peerClients() : sizes) + ".");
        }
        List<String> order = new ArrayList<>(chosen);
        for (int clients : sizes.isEmpty() ? scale.peerClients() : sizes) {
            Map<String, Object[]> rows = new HashMap<>();
            for (String peer : order) {
                rows.put(peer, measure(classpath, peer, clients, settings));
            }
            for (String peer : PEERS.keySet()) {
                if (rows.containsKey(peer)) {
                    s.row(rows.get(peer));
                }
            }
            // the next load starts with another server, so that a drift of the shared machine does not favour one
            Collections.rotate(order, -1);
        }
        for (Map.Entry<String, String> peer : PEERS.entrySet()) {
            if (settings.containsKey(peer.getKey())) {
                s.note(peer.getValue() + ": " + settings.get(peer.getKey()) + ".");
            }
        }
    }

    /** A comma-separated system property as a list, or {@code otherwise} if it is not set; unknown servers refused. */
    private static List<String> listProperty(String name, List<String> otherwise) {
        String v = System.getProperty(name, "").trim();
        if (v.isEmpty()) {
            return otherwise;
        }
        List<String> l = List.of(v.split("\\s*,\\s*"));
        if (name.equals("bench.peers")) {
            for (String peer : l) {
                if (!PEERS.containsKey(peer)) {
                    throw new IllegalArgumentException(name + "=" + v + ": no server \"" + peer + "\"; the servers are "
                            + PEERS.keySet());
                }
            }
        }
        return l;
    }

    /** Both passes of {@code peer} with {@code clients} clients: the row's cells. */
    private Object[] measure(Path classpath, String peer, int clients, Map<String, String> settings) throws Exception {
        Load load;
        Memory memory;
        if (scale.peerJvmPerPass()) {
            try (PeerProcess server = start(classpath, peer, false, settings)) {
                load = load(server, clients);
            }
            try (PeerProcess server = start(classpath, peer, true, settings)) {
                memory = memory(server, peer, clients);
            }
        } else {
            try (PeerProcess server = start(classpath, peer, true, settings)) {
                memory = memory(server, peer, clients);
                load = load(server, clients);
            }
        }
        double heap = memory.heap / clients / KIB;
        double direct = memory.direct / clients / KIB;
        System.out.printf("peers %4d, %s: %s in %.1f s, /ping p99 %.1f ms, %d threads, %d fds, %.1f KiB RSS a client,"
                + " %.1f s CPU; %.1f KiB heap + %.1f KiB direct a stalled stream%n", clients, PEERS.get(peer),
                load.finishedText(), load.result.seconds(load.capNanos), load.ping.p99, load.peaks.threads(),
                load.peaks.fds(), load.rssPerClient() / KIB, load.cpuSeconds(), heap, direct);
        return new Object[] {clients, PEERS.get(peer), load.finishedText(), load.result.secondsCell(load.capNanos),
            load.ping.failure != null ? "failed: " + load.ping.failure : (Object) load.ping.p99, load.ping.answered,
            load.peaks.threads(), load.peaks.fds(), load.fdsPerClient(), load.rssPerClient() / KIB, load.cpuSeconds(),
            heap, direct, heap + direct, memory.underWay};
    }

    /** Why the section cannot run here, or null. */
    private static String skipReason() {
        if (Runtime.version().feature() < 21) {
            return "needs Java 21 or later (Helidon 4, virtual threads; this is Java " + Runtime.version().feature() + ")";
        }
        String file = System.getProperty(CLASSPATH_PROPERTY);
        if (file == null || !Files.isRegularFile(Paths.get(file))) {
            return "the peers module's class path file was not found (system property " + CLASSPATH_PROPERTY + ": "
                    + file + "); build undertow-streaming-peers on Java 21 or later (Maven's profile \"peers\" does,"
                    + " and sets the property for the benchmark and its test)";
        }
        return null;
    }

    private void notes(Report.Section s) {
        s.note("Each server runs in a JVM of its own (java -cp <the class path of undertow-streaming-peers>"
                + " io.github.undertowstreaming.peers.PeerServer), one at a time, "
                + (scale.peerJvmPerPass() ? "a fresh one for each of the two passes (the load, then the memory pass),"
                        : "one for both passes (the memory pass first; the quick run saves the second start of each"
                        + " server, the full run starts a fresh JVM for each pass),")
                + " ended when its pass is done; for each number of clients the next server goes first (a drift of a"
                + " shared machine favours none). The JVM is the benchmark's own java ("
                + System.getProperty("java.runtime.version") + "), with the same flags for every server: " + String.join(" ", PeerProcess.JVM_FLAGS) + ". Each serves"
                + " GET /bytes?size=N, N pattern bytes (byte i is i % 251, demo.Pattern) read from a blocking InputStream"
                + " 16 KiB at a time and written to the server's blocking response output stream in 16 KiB writes (the"
                + " pull pump: Streaming.send of the same InputStream), with a Content-Length; and GET /ping, 'pong', on"
                + " the same kind of thread as a download (a virtual thread, or the XNIO worker for BlockingHandler and"
                + " the pull pump, whose reads run there).");
        s.note("The clients are the harness's paced NIO clients in the benchmark's JVM, as in section 1 (raw sockets,"
                + " SO_RCVBUF " + Scale.CLIENT_RECEIVE_BUFFER + " bytes requested, " + Throughput.size(scale.peerBody())
                + " each at " + (PACE >> 10) + " KiB/s, all connecting at once); /ping every " + PING_INTERVAL_MS + " ms"
                + " on one keep-alive connection, its p99 corrected for coordinated omission (HdrHistogram). Every server"
                + " is given the same two socket settings, each the way it offers them: an accept backlog of " + BACKLOG
                + " (Linux caps it at net.core.somaxconn), and SO_SNDBUF " + Scale.SERVER_SEND_BUFFER + " bytes requested"
                + " on its connections, as in section 1, so that the kernel cannot take the body: left to itself, Linux"
                + " grows a loopback connection's send buffer to MiBs, which hold a whole 2 MiB body (a first run without"
                + " the setting saw BlockingHandler's 16 workers finish 1024 clients in 40 s, each write landing in the"
                + " kernel at once). Each load is capped at " + scale.peerCapSeconds() + " s;"
                + " a capped one tells how many had finished, and its time is the cap (a lower bound, with ≥). Before the"
                + " load the same JVM serves a warm-up that is not measured: 4 clients downloading "
                + Throughput.size(scale.peerWarmupSize()) + " each as fast as they read, and 20 pings.");
        s.note("Threads, descriptors and RSS are the server's own, from /proc/PID/status (Threads, VmRSS) and the"
                + " entries of /proc/PID/fd, sampled every 25 ms during the load: threads are the OS's (platform threads,"
                + " virtual threads' carriers, the JVM's own such as GC and JIT; no virtual thread); 'fds per client' and"
                + " 'RSS per client' are (peak - the reading before the load) / clients. Server CPU is utime + stime of"
                + " /proc/PID/stat over the load alone (warm-up excluded), in seconds. The benchmark's JVM (the clients,"
                + " the pinger, the sampler) shares the cores with the server.");
        s.note("Heap and direct memory per stalled stream: on a JVM that has served nothing yet, 20 pings"
                + " (no download, so that no buffer a download left in a server's pool is in the first reading for the"
                + " stalled streams to take), then a reading; then as many clients as the row's, each reading 16 KiB of a "
                + Throughput.size(STALLED_BODY) + " body and stopping; once every client has its response head (5 s at"
                + " most: BlockingHandler answers as many at a time as it has workers, see 'streams under way') and the"
                + " server's CPU time has not moved for 200 ms (its writers wait on full sockets) and then "
                + SETTLE_MILLIS + " ms more (a stream of the library gives its pooled buffers back once it has waited"
                + " half a second for its client; no other server changes what a stalled stream holds), a second reading;"
                + " (second - first) / clients. A reading is taken inside the server's JVM, on the main thread of"
                + " PeerServer, which reads commands from its standard input, so no server route serves it: heap used"
                + " after System.gc(), and the 'direct' BufferPoolMXBean's memory used once the cleaners have freed what"
                + " the GC found (polled until it holds still). It counts the server's connection and request objects,"
                + " the stacks of parked virtual threads (heap), and the buffers a stream holds, direct or heap, less"
                + " the few buffers a server's pool kept from the pings, which the first stalled streams may take. The"
                + " library's min-rate (240 B/s after a 5 s grace, by default) would drop those stalled clients, as it"
                + " is meant to: its two peers run this pass with min-rate=0. No other server drops a stalled client"
                + " within the pass (Jetty's idle timeout is 30 s, Helidon's 5 minutes; Undertow has none by default).");
        s.note("Jetty's VirtualThreadPool runs at most 200 tasks at once by default (its maxConcurrentTasks; the"
                + " others wait for a permit), so left at its defaults Jetty would serve 200 slow clients at a time:"
                + " this comparison raises it to 8192, above every load here, since the other virtual-thread servers"
                + " have no such cap. Beyond that, every server runs with its defaults but for host, port, backlog and"
                + " send buffer; the four Undertow servers share one buffer pool setting (below). Each server's settings, as it"
                + " reports them, and where they come from:");
    }

    /** What one load pass saw. */
    private static final class Load {
        NioLoad.Result result;
        Pinger.Result ping;
        PeerProcess.Stat before;
        PeerProcess.Stat peaks;
        long capNanos;

        String finishedText() {
            return result.finishedText(capNanos);
        }

        double fdsPerClient() {
            return (double) (peaks.fds() - before.fds()) / result.clients;
        }

        double rssPerClient() {
            return (double) (peaks.rssBytes() - before.rssBytes()) / result.clients;
        }

        double cpuSeconds() {
            return peaks.cpuSeconds() - before.cpuSeconds();
        }
    }

    /** A JVM of {@code peer}; its settings line goes to {@code settings} (the load pass's, when there are two). */
    private PeerProcess start(Path classpath, String peer, boolean memoryPass, Map<String, String> settings)
            throws IOException, InterruptedException {
        PeerProcess server = PeerProcess.start(classpath, peer, BACKLOG, Scale.SERVER_SEND_BUFFER, memoryPass,
                logs.resolve(peer + ".log"));
        if (!memoryPass || !settings.containsKey(peer)) {
            settings.put(peer, server.settings);
        }
        return server;
    }

    /** The load pass: a warm-up, then the slow clients with /ping and the sampler. */
    private Load load(PeerProcess server, int clients) throws Exception {
        warmUp(server, true);
        Load l = new Load();
        l.capNanos = TimeUnit.SECONDS.toNanos(scale.peerCapSeconds());
        l.before = server.stat();
        PeerProcess.Sampler sampler = new PeerProcess.Sampler(server, 25);
        Pinger pinger = new Pinger(server.port, PING_INTERVAL_MS);
        sampler.start();
        pinger.start();
        l.result = new NioLoad(server.port, "/bytes?size=" + scale.peerBody(), clients, PACE,
                Scale.CLIENT_RECEIVE_BUFFER, true).run(l.capNanos);
        l.ping = pinger.stop();
        l.peaks = sampler.stop();
        return l;
    }

    /**
     * How long the memory pass waits, once the server's CPU is idle, before its second reading: the
     * library's streams give their pooled buffers back after half a second of waiting for their
     * client (its stream timer looks every half second), so a stalled stream is read as it stays.
     */
    private static final long SETTLE_MILLIS = 1500;

    /** What one memory pass saw: heap and direct grown for all the stalled clients, in bytes. */
    private record Memory(double heap, double direct, long underWay) {
    }

    /** The memory pass: pings, a reading, {@code clients} stalled streams, a reading. */
    private Memory memory(PeerProcess server, String peer, int clients) throws Exception {
        warmUp(server, false);
        long[] before = server.memory();
        NioLoad load = new NioLoad(server.port, "/bytes?size=" + STALLED_BODY, clients, 1,
                Scale.CLIENT_RECEIVE_BUFFER, true);
        FutureTask<NioLoad.Result> task = new FutureTask<>(() -> load.run(TimeUnit.MINUTES.toNanos(5)));
        Thread t = new Thread(task, "bench-peer-stalled-clients");
        t.setDaemon(true);
        t.start();
        try {
            load.ready.await(5, TimeUnit.SECONDS); // bounded: BlockingHandler answers a few at a time
            awaitIdle(server);
            Thread.sleep(SETTLE_MILLIS); // a fixed settle for every server, stated in the notes
            long[] during = server.memory();
            return new Memory(during[0] - before[0], during[1] - before[1], clients - load.ready.getCount());
        } finally {
            load.stop();
            try {
                NioLoad.Result r = task.get(60, TimeUnit.SECONDS);
                if (r.failed > 0) {
                    throw new IllegalStateException(r.failed + " stalled clients of " + peer + " failed: " + r.firstFailure);
                }
            } catch (ExecutionException e) {
                throw new IOException("the stalled clients of " + peer + " failed", e.getCause());
            }
        }
    }

    /**
     * Waits until the server's CPU time has not moved by more than a tick in each of two polls
     * 100 ms apart (10 s at most): its writers wait on full sockets.
     */
    private static void awaitIdle(PeerProcess server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last = server.stat().cpuTicks();
        int quiet = 0;
        while (quiet < 2 && System.nanoTime() < deadline) {
            Thread.sleep(100); // polling the server's CPU time with a deadline
            long now = server.stat().cpuTicks();
            quiet = now - last <= 1 ? quiet + 1 : 0;
            last = now;
        }
    }

    /**
     * Not measured: with {@code downloads}, 4 clients download the warm-up size as fast as they
     * read; then 20 pings. The memory pass warms up with pings alone, so that its first reading
     * holds no buffers that downloads left in a server's pool for the stalled streams to take.
     */
    private void warmUp(PeerProcess server, boolean downloads) throws IOException {
        if (downloads) {
            NioLoad.Result r = new NioLoad(server.port, "/bytes?size=" + scale.peerWarmupSize(), 4, 0, 0, true)
                    .run(TimeUnit.SECONDS.toNanos(60));
            if (!r.allFinished() || r.failed > 0) {
                throw new IOException("the warm-up of a peer failed: " + r.finished + " of 4 finished, " + r.firstFailure);
            }
        }
        try (KeepAliveClient client = new KeepAliveClient(server.port, 10_000)) {
            for (int i = 0; i < 20; i++) {
                if (client.get("/ping") != 200) {
                    throw new IOException("the warm-up's /ping did not answer 200");
                }
            }
        }
    }
}
