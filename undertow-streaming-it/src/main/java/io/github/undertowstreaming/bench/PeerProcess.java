package io.github.undertowstreaming.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One peer server in a JVM of its own: {@code java FLAGS -cp CLASSPATH
 * io.github.undertowstreaming.peers.PeerServer PEER BACKLOG SEND_BUFFER PASS}, on the benchmark's own
 * {@code java}. It says its settings and its port on its standard output, answers {@code memory}
 * with its heap and direct memory after a full GC, and stops when its standard input closes
 * ({@link #close}). Its threads, descriptors, RSS and CPU time are read from {@code /proc/PID}.
 * Main thread only, but for the {@link Sampler}.
 */
final class PeerProcess implements AutoCloseable {

    /** The flags of every peer's JVM. */
    static final List<String> JVM_FLAGS = List.of("-Xmx1g", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");

    /** Clock ticks per second of /proc/PID/stat's times (getconf CLK_TCK; 100 on Linux where it cannot be asked). */
    static final long CLOCK_TICKS = clockTicks();

    private static final String MAIN = "io.github.undertowstreaming.peers.PeerServer";

    private final Process process;
    private final Path proc;
    /** The lines of its standard output, as its reader thread took them. */
    private final BlockingQueue<String> lines;
    final int port;
    final String settings;

    private PeerProcess(Process process, BlockingQueue<String> lines, int port, String settings) {
        this.process = process;
        this.lines = lines;
        this.proc = Paths.get("/proc", String.valueOf(process.pid()));
        this.port = port;
        this.settings = settings;
    }

    /**
     * Starts {@code peer} with the class path that {@code classpathFile} holds (the peers module's
     * dependencies; its classes are the {@code classes} directory beside the file), its standard
     * error appended to {@code log}; returns once it listens.
     */
    static PeerProcess start(Path classpathFile, String peer, int backlog, int sendBuffer, boolean memoryPass, Path log)
            throws IOException, InterruptedException {
        String classpath = classpathFile.resolveSibling("classes") + java.io.File.pathSeparator
                + Files.readString(classpathFile).trim();
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        // Extra flags for a profiling run, the same for every server, e.g.
        // -Dbench.peerFlags=-XX:StartFlightRecording:filename=DIR/{peer}-{pass}-%p.jfr,settings=profile
        // (the JVM writes the recording when the server ends, as it does at the end of its pass).
        String extra = System.getProperty("bench.peerFlags", "").trim();
        if (!extra.isEmpty()) {
            for (String flag : extra.split("\\s+")) {
                command.add(flag.replace("{peer}", peer).replace("{pass}", memoryPass ? "memory" : "load"));
            }
        }
        command.addAll(List.of("-cp", classpath, MAIN, peer, String.valueOf(backlog), String.valueOf(sendBuffer),
                memoryPass ? "memory" : "load"));
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended; whoever waits for a line times out and says so
            }
        }, "bench-peer-" + peer + "-out");
        reader.setDaemon(true);
        reader.start();
        try {
            String settings = expect(lines, process, "peer.settings ", 60);
            int port = Integer.parseInt(expect(lines, process, "peer.port ", 10));
            return new PeerProcess(process, lines, port, settings);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private static String expect(BlockingQueue<String> lines, Process process, String prefix, long seconds)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (;;) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IOException("peer process " + process.pid() + (process.isAlive() ? " said no \"" + prefix.trim()
                        + "\" within " + seconds + " s" : " ended with status " + process.exitValue()) + "; see its log");
            }
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
            if (line.startsWith("peer.error ")) {
                throw new IOException("peer process " + process.pid() + ": " + line);
            }
        }
    }

    /** Heap used after a full GC and direct memory used, {heap, direct} in bytes, read in the peer's JVM. */
    long[] memory() throws IOException, InterruptedException {
        OutputStream in = process.getOutputStream();
        in.write("memory\n".getBytes(StandardCharsets.US_ASCII));
        in.flush();
        String[] m = expect(lines, process, "peer.memory ", 60).split(" ");
        return new long[] {Long.parseLong(m[0]), Long.parseLong(m[1])};
    }

    /** What /proc says of the process now. */
    Stat stat() {
        return Stat.of(proc);
    }

    /** Stops the peer: closes its standard input, then, if it has not ended within 15 s, kills it. */
    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // it has ended already
        }
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** One reading of /proc/PID: OS threads, resident set, open descriptors, CPU ticks (user + system). */
    record Stat(int threads, long rssBytes, long fds, long cpuTicks) {

        static Stat of(Path proc) {
            int threads = -1;
            long rss = -1;
            long cpu = -1;
            try {
                for (String line : Files.readAllLines(proc.resolve("status"))) {
                    if (line.startsWith("Threads:")) {
                        threads = Integer.parseInt(line.substring(8).trim());
                    } else if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
                // the fields after the command's closing parenthesis: state is field 3, utime 14, stime 15
                String stat = Files.readString(proc.resolve("stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                cpu = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                // the process is gone: the fields stay -1
            }
            long fds;
            try (java.util.stream.Stream<Path> s = Files.list(proc.resolve("fd"))) {
                fds = s.count();
            } catch (IOException | RuntimeException e) {
                fds = -1;
            }
            return new Stat(threads, rss, fds, cpu);
        }

        double cpuSeconds() {
            return (double) cpuTicks / CLOCK_TICKS;
        }
    }

    /** Samples a peer's /proc on its own thread every few milliseconds and keeps the peaks. */
    static final class Sampler extends Sampling {
        private final PeerProcess peer;
        private volatile int threads;
        private volatile long rss;
        private volatile long fds;

        Sampler(PeerProcess peer, long periodMillis) {
            super("bench-peer-sampler", periodMillis);
            this.peer = peer;
        }

        @Override
        void sample() {
            Stat s = peer.stat();
            threads = Math.max(threads, s.threads());
            rss = Math.max(rss, s.rssBytes());
            fds = Math.max(fds, s.fds());
        }

        /** Stops sampling, takes a last sample, and returns the peaks (CPU: the last reading). */
        Stat stop() throws InterruptedException {
            finish();
            return new Stat(threads, rss, fds, peer.stat().cpuTicks());
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | RuntimeException e) {
            // below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
