package io.github.undertowstreaming.it.support;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What this process holds: its live threads and its open file descriptors ({@code /proc/self/fd},
 * Linux). A {@link Snapshot} is compared with a later one by identity, not only by count: a
 * thread is new if its id was not alive before (ids are never reused), a descriptor is new if its
 * number was not open before or now points elsewhere. Counts alone would let a leak hide behind
 * an older thread or descriptor that went away meanwhile.
 */
public final class ProcessResources {

    private static final Path FDS = Path.of("/proc/self/fd");

    private ProcessResources() {
    }

    /** Live threads (id to name) and open descriptors (number to target) at one moment. */
    public record Snapshot(Map<Long, String> threads, int jvmThreadCount, Map<Integer, String> fds) {

        /** Threads alive now that were not alive in {@code before}, as "name (id)". */
        public List<String> newThreads(Snapshot before) {
            List<String> added = new ArrayList<>();
            threads.forEach((id, name) -> {
                if (!before.threads.containsKey(id)) {
                    added.add(name + " (id " + id + ")");
                }
            });
            return added;
        }

        /** Descriptors open now that were not open in {@code before} (or point elsewhere now). */
        public List<String> newFds(Snapshot before) {
            List<String> added = new ArrayList<>();
            fds.forEach((fd, target) -> {
                if (!target.equals(before.fds.get(fd))) {
                    added.add(fd + " -> " + target);
                }
            });
            return added;
        }

        @Override
        public String toString() {
            return jvmThreadCount + " threads, " + fds.size() + " open fds";
        }
    }

    /** Takes a snapshot; the descriptor of the directory listing itself is left out. */
    public static Snapshot take() {
        Map<Long, String> threads = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            threads.put(t.getId(), t.getName());
        }
        return new Snapshot(threads, ManagementFactory.getThreadMXBean().getThreadCount(), openFds());
    }

    /** How many descriptors are open now (a count only: readlink on each is for {@link #take}). */
    public static long fdCount() {
        try (java.util.stream.Stream<Path> s = Files.list(FDS)) {
            return s.count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + FDS, e);
        }
    }

    /**
     * {@link #fdCount} once the garbage collector and finalization have closed what an earlier
     * load's temporary selectors left (XNIO closes them only from a finalizer): polled until two
     * readings agree, 5 s at most.
     */
    @SuppressWarnings("removal") // System.runFinalization: deprecated for removal, still there in 25
    public static long settledFdCount() {
        long last = -1;
        for (int i = 0; i < 50; i++) {
            System.gc();
            System.runFinalization();
            long now = fdCount();
            if (now == last) {
                return now;
            }
            last = now;
            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L); // polling, with the deadline above
        }
        return last;
    }

    private static Map<Integer, String> openFds() {
        Map<Integer, String> fds = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(FDS)) {
            for (Path p : dir) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (NoSuchFileException e) {
                    continue; // closed while listing
                }
                if (target.startsWith("/proc/")) {
                    continue; // the listing's own descriptor
                }
                fds.put(Integer.parseInt(p.getFileName().toString()), target);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + FDS, e);
        }
        return fds;
    }
}
