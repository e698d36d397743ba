package io.github.undertowstreaming.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

import io.github.undertowstreaming.demo.Pattern;

/**
 * The process the benchmark starts for one peer:
 * {@code java -cp ... io.github.undertowstreaming.peers.PeerServer PEER BACKLOG SEND_BUFFER load|memory}.
 * It starts the peer on a free port of 127.0.0.1 and talks with the benchmark over its standard
 * streams, one line each way: it writes {@code peer.settings TEXT} and then {@code peer.port N};
 * then it reads commands: {@code memory} answers {@code peer.memory HEAP DIRECT} (bytes of heap
 * used after a full GC, and of direct buffers once the cleaners have freed what that GC found),
 * measured on this main thread, so that no peer serves a route for it. The end of its standard
 * input (the benchmark closed it, or died) ends the process at once. Anything else it prints
 * (the servers' logs) goes to standard error.
 */
public final class PeerServer {

    private PeerServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !(args[3].equals("load") || args[3].equals("memory"))) {
            throw new IllegalArgumentException("usage: PeerServer PEER BACKLOG SEND_BUFFER load|memory; the peers are "
                    + Peer.IDS);
        }
        PrintStream out = System.out;
        // the servers' own logs must not mix with the lines the benchmark reads
        System.setOut(System.err);
        Peer peer;
        try {
            peer = Peer.start(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]), args[3].equals("memory"));
            // the download's source, loaded before any reading of memory: the harness's, not the server's
            Pattern.stream(0).close();
        } catch (Throwable t) {
            t.printStackTrace();
            Runtime.getRuntime().halt(1);
            return;
        }
        out.println("peer.settings " + peer.settings());
        out.println("peer.port " + peer.port());
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("memory")) {
                long[] m = settledMemory();
                out.println("peer.memory " + m[0] + " " + m[1]);
            } else {
                out.println("peer.error unknown command \"" + line + "\"");
            }
            out.flush();
        }
        dumpRecordings();
        // the benchmark is done with it: the process ends at once, its sockets closed by the system
        // (no server's graceful stop, no shutdown hook, which could only add to the run's time)
        Runtime.getRuntime().halt(0);
    }

    /**
     * A profiling run (the benchmark's {@code -Dbench.peerFlags} with {@code -XX:StartFlightRecording}
     * and a file name) gets its recordings written here: {@code halt} skips the JVM's dump at exit.
     * Nothing in other runs: JFR is not started by asking.
     */
    private static void dumpRecordings() {
        if (!jdk.jfr.FlightRecorder.isInitialized()) {
            return;
        }
        for (jdk.jfr.Recording r : jdk.jfr.FlightRecorder.getFlightRecorder().getRecordings()) {
            if (r.getDestination() != null) {
                try {
                    r.dump(r.getDestination());
                } catch (IOException e) {
                    e.printStackTrace();
                }
            }
        }
    }

    /**
     * Heap used after a full GC, and direct memory used once the cleaners have freed what the GC
     * found: {heap, direct}. Polls until direct memory holds still (1.5 s at most).
     */
    private static long[] settledMemory() throws InterruptedException {
        long direct = -1;
        for (int i = 0; i < 30; i++) {
            System.gc();
            Thread.sleep(50); // polling: the cleaners free direct buffers after the GC
            long now = directMemoryUsed();
            if (now == direct) {
                break;
            }
            direct = now;
        }
        System.gc();
        return new long[] {ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), directMemoryUsed()};
    }

    private static long directMemoryUsed() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }
}
