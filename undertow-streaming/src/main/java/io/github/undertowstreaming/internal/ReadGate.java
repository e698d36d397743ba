package io.github.undertowstreaming.internal;

import java.util.Collections;
import java.util.Map;
import java.util.Queue;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.xnio.Options;
import org.xnio.XnioWorker;

/**
 * Bounds how many reader turns run at once on one XNIO worker, so that streams never hold every
 * worker thread: beyond the bound, turns wait in this first-in-first-out queue instead of the
 * worker's, and other work (a route that needs a worker) finds a free thread at once. Without
 * it, every stream's next read waits in the worker's one queue with everything else, and with
 * many streams a worker route waits behind hundreds of reads.
 *
 * <p>One gate per worker, made on first use; the bound is half the worker's threads, at least
 * one. A turn ends when {@link Pump#run} returns, and hands its place to the oldest waiting
 * turn. Executors set in the options are the user's own, sized for the streams: no gate.
 *
 * <p>The gates are kept in a {@link WeakHashMap} keyed by the worker, so a gate must not hold
 * its worker: a map's value that holds its own key keeps the entry, and with it the worker of
 * every server the process ever stopped, reachable for good. So a gate holds no executor: it
 * starts each turn on the executor of the turn's own pump ({@link Pump#submit}), which for a
 * gated pump is this gate's worker. A worker is then reachable only while a stream of its own is.
 */
final class ReadGate {

    private static final Map<XnioWorker, ReadGate> GATES = Collections.synchronizedMap(new WeakHashMap<>());

    private final int limit;
    private final Queue<Pump> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger running = new AtomicInteger();

    ReadGate(int limit) {
        this.limit = limit;
    }

    /**
     * The gate of {@code worker}, for pumps whose executor is {@code worker}. Any thread: the map is
     * synchronized, so two streams that start at once on a new worker get the same gate.
     */
    static ReadGate of(XnioWorker worker) {
        return GATES.computeIfAbsent(worker, w -> new ReadGate(Math.max(1, threads(w) / 2)));
    }

    private static int threads(XnioWorker worker) {
        try {
            Integer n = worker.getOption(Options.WORKER_TASK_MAX_THREADS);
            return n == null ? 2 : n;
        } catch (java.io.IOException e) {
            return 2;
        }
    }

    /** The most turns running at once. */
    int limit() {
        return limit;
    }

    /**
     * Runs a turn of {@code pump} now if there is room, else queues it. A turn the executor
     * refuses goes to {@link Pump#rejected}, whichever pump it belongs to.
     */
    void execute(Pump pump) {
        waiting.add(pump);
        drain();
    }

    /** A turn ended: its place goes to the oldest waiting turn. Called at the end of {@link Pump#run}. */
    void done() {
        running.decrementAndGet();
        drain();
    }

    /**
     * Starts waiting turns while there is room. A refusal of the executor fails the turn's pump
     * (which closes its body, never on an IO thread) and frees its place.
     */
    private void drain() {
        for (;;) {
            int n = running.get();
            if (n >= limit || waiting.isEmpty()) {
                return;
            }
            if (!running.compareAndSet(n, n + 1)) {
                continue;
            }
            Pump next = waiting.poll();
            if (next == null) {
                running.decrementAndGet();
                continue; // another thread took it; look again, so that no turn is stranded
            }
            try {
                next.submit();
            } catch (RejectedExecutionException e) {
                running.decrementAndGet();
                next.rejected(e);
            }
        }
    }
}
