package io.github.undertowstreaming.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.xnio.IoUtils;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;

/**
 * {@code max-dispatched}: at most {@code max} dispatched exchanges run on the dispatch executor
 * at once; up to as many more wait, first in first out; beyond those, the dispatch is refused and
 * Undertow answers {@code 503}, to which this adds {@code Retry-After: 1}. A virtual thread per
 * exchange is cheap, but what it holds while it runs (a pooled buffer, a database connection,
 * heap for the response) is not: this bounds a burst. One per handler.
 *
 * <p>An exchange leaves the queue when a place is free, on whichever thread freed it: the
 * dispatching thread (an IO thread, in {@link #forExchange}'s executor), or the executor's thread
 * of an exchange that just finished. If the executor refuses it then, that exchange, and only it,
 * is answered {@code 503} with {@code Retry-After: 1}, on its own IO thread, and its completion
 * listeners run; the queue goes on with the next. A refused exchange is not put back: the refusal
 * is the executor's answer (it is saturated, or shut down), and a place it might get later comes
 * only when some other exchange finishes, which may never happen: its client would wait for ever.
 *
 * <p>{@link #running}, {@link #waiting} and {@link #refused} read its state for a dashboard (the
 * demo's {@code /stats}); {@link #of} finds the gate of an exchange.
 */
public final class DispatchGate {

    private final Executor executor;
    private final int max;
    private final AtomicInteger running = new AtomicInteger();
    /**
     * Exchanges in the gate, running or waiting: what admission counts, at most {@code 2 * max}.
     * Counting the waiting ones alone refused an exchange that came on one IO thread while
     * another's was between its queueing and its start (both counted waiting, the queue empty a
     * moment later): MaxDispatchedTest saw it under load.
     */
    private final AtomicInteger admitted = new AtomicInteger();
    private final Queue<Waiting> waiting = new ConcurrentLinkedQueue<>();
    /** The handler's counters: the gate's running, queued and refused exchanges. */
    private final Statistics stats;

    /**
     * A gate in front of {@code executor}.
     *
     * @param executor the dispatch executor
     * @param max the most exchanges running on it at once, and the most waiting; at least 1
     * @param stats the handler's counters, where the gate counts what it runs, queues and refuses
     */
    public DispatchGate(Executor executor, int max, Statistics stats) {
        this.executor = executor;
        this.max = max;
        this.stats = stats;
    }

    /**
     * {@return the dispatch executor for {@code exchange}: refusing it adds the Retry-After header}
     *
     * @param exchange the exchange whose dispatches it takes
     */
    public Executor forExchange(HttpServerExchange exchange) {
        return new ForExchange(this, exchange);
    }

    /**
     * {@return the gate whose executor dispatches {@code exchange}, or null if none does (no
     * {@code max-dispatched}, or the handler skipped the exchange)}
     *
     * @param exchange an exchange, on any thread
     */
    public static DispatchGate of(HttpServerExchange exchange) {
        Executor e = exchange.getDispatchExecutor();
        return e instanceof ForExchange ? ((ForExchange) e).gate : null;
    }

    /** {@return the dispatched exchanges running on the executor now} */
    public int running() {
        return running.get();
    }

    /** {@return the dispatched exchanges waiting for a place now} */
    public int waiting() {
        return Math.max(0, admitted.get() - running.get()); // a moment off while one moves from the queue to the executor
    }

    /** {@return the dispatches refused so far: beyond {@code max} waiting, or by the executor} */
    public long refused() {
        return stats.dispatchRefused();
    }

    private void execute(Runnable task, HttpServerExchange exchange) {
        if (admitted.incrementAndGet() > 2 * max) {
            admitted.decrementAndGet();
            stats.countDispatchRefused();
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            throw Messages.MESSAGES.tooManyDispatched(max);
        }
        stats.dispatchQueued(1);
        waiting.add(new Waiting(task, exchange));
        drain();
    }

    /** Starts waiting exchanges while there is room. Never throws: a refused one is answered {@link #refused}. */
    private void drain() {
        for (;;) {
            int n = running.get();
            if (n >= max || waiting.isEmpty()) {
                return;
            }
            if (!running.compareAndSet(n, n + 1)) {
                continue;
            }
            Waiting next = waiting.poll();
            if (next == null) {
                running.decrementAndGet();
                continue;
            }
            stats.dispatchQueued(-1);
            stats.dispatchRunning(1);
            try {
                executor.execute(() -> {
                    try {
                        next.task.run();
                    } finally {
                        running.decrementAndGet();
                        admitted.decrementAndGet();
                        stats.dispatchRunning(-1);
                        drain();
                    }
                });
            } catch (RejectedExecutionException e) {
                running.decrementAndGet();
                admitted.decrementAndGet();
                stats.dispatchRunning(-1);
                stats.countDispatchRefused();
                refused(next.exchange, e);
            }
        }
    }

    /**
     * Answers {@code 503} with {@code Retry-After: 1} to an exchange whose task the executor
     * refused, on its IO thread (any thread may call this), as Undertow answers a refused
     * dispatch ({@code Connectors.executeRootHandler}); if that thread takes no more tasks, the
     * server stops and the connection is closed with it.
     */
    private static void refused(HttpServerExchange exchange, RejectedExecutionException e) {
        Log.ROOT.dispatchRefused(e, exchange.getRequestMethod() + " " + exchange.getRequestURI());
        try {
            exchange.getIoThread().execute(() -> {
                if (!exchange.isResponseStarted()) {
                    exchange.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE);
                    exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                }
                exchange.endExchange();
            });
        } catch (RejectedExecutionException stopping) {
            IoUtils.safeClose(exchange.getConnection());
        }
    }

    /** The executor an exchange dispatches to: this gate, for that exchange. */
    private static final class ForExchange implements Executor {
        final DispatchGate gate;
        final HttpServerExchange exchange;

        ForExchange(DispatchGate gate, HttpServerExchange exchange) {
            this.gate = gate;
            this.exchange = exchange;
        }

        @Override
        public void execute(Runnable task) {
            gate.execute(task, exchange);
        }
    }

    /** A dispatched exchange and its task, waiting for a place. */
    private static final class Waiting {
        final Runnable task;
        final HttpServerExchange exchange;

        Waiting(Runnable task, HttpServerExchange exchange) {
            this.task = task;
            this.exchange = exchange;
        }
    }
}
