package io.github.undertowstreaming.bench;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;

import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.demo.DemoServer;
import io.github.undertowstreaming.demo.WorkerThreads;

/**
 * Samples the server side every few milliseconds on its own thread and keeps the peaks: busy
 * worker threads, JVM threads (platform threads: ThreadMXBean does not count virtual ones), heap
 * used, direct memory used, streams in flight, and open file descriptors. Server and
 * clients share the JVM, so threads and memory include the (few, cheap) client threads.
 */
final class Probe extends Sampling {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private final DemoServer server;
    private volatile int busyWorkers;
    private volatile int threads;
    private volatile long heap;
    private volatile long direct;
    private volatile long inFlight;
    private volatile long fds;

    Probe(DemoServer server, long periodMillis) {
        super("bench-probe", periodMillis);
        this.server = server;
    }

    @Override
    void sample() {
        busyWorkers = Math.max(busyWorkers, WorkerThreads.busy(server.worker()));
        threads = Math.max(threads, THREADS.getThreadCount());
        heap = Math.max(heap, MEMORY.getHeapMemoryUsage().getUsed());
        direct = Math.max(direct, directMemoryUsed());
        inFlight = Math.max(inFlight, Streaming.stats().inFlight());
        fds = Math.max(fds, openFileDescriptors());
    }

    /** Open file descriptors of this process (Linux: the entries of /proc/self/fd), or -1 where unknown. */
    static long openFileDescriptors() {
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Bytes of direct buffers the JVM has allocated now. */
    static long directMemoryUsed() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    /** Stops sampling, takes a last sample, and returns the peaks. */
    Peaks stop() throws InterruptedException {
        finish();
        return new Peaks(busyWorkers, threads, heap, direct, inFlight, fds);
    }

    static final class Peaks {
        final int busyWorkers;
        final int threads;
        final long heap;
        final long direct;
        final long inFlight;
        final long fds;

        Peaks(int busyWorkers, int threads, long heap, long direct, long inFlight, long fds) {
            this.busyWorkers = busyWorkers;
            this.threads = threads;
            this.heap = heap;
            this.direct = direct;
            this.inFlight = inFlight;
            this.fds = fds;
        }
    }
}
