package io.github.undertowstreaming.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * {@code max-dispatched}: at most {@code max} dispatched exchanges run on the dispatch executor
 * at once; up to as many more wait, first in first out; beyond those, the dispatch is refused and
 * Undertow answers {@code 503}, to which this adds {@code Retry-After: 1}. A virtual thread per
 * exchange is cheap, but what it holds while it runs (a pooled buffer, a database connection,
 * heap for the response) is not: this bounds a burst. One per handler.
 */
public final class DispatchGate {

    private final Executor executor;
    private final int max;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger waitingCount = new AtomicInteger();
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    public DispatchGate(Executor executor, int max) {
        this.executor = executor;
        this.max = max;
    }

    /** The dispatch executor for {@code exchange}: refusing it adds the Retry-After header. */
    public Executor forExchange(HttpServerExchange exchange) {
        return task -> execute(task, exchange);
    }

    private void execute(Runnable task, HttpServerExchange exchange) {
        if (waitingCount.incrementAndGet() > max) {
            waitingCount.decrementAndGet();
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            throw Messages.MESSAGES.tooManyDispatched(max);
        }
        waiting.add(task);
        drain();
    }

    private void drain() {
        for (;;) {
            int n = running.get();
            if (n >= max || waiting.isEmpty()) {
                return;
            }
            if (!running.compareAndSet(n, n + 1)) {
                continue;
            }
            Runnable task = waiting.poll();
            if (task == null) {
                running.decrementAndGet();
                continue;
            }
            waitingCount.decrementAndGet();
            try {
                executor.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        running.decrementAndGet();
                        try {
                            drain();
                        } catch (RejectedExecutionException e) {
                            // the executor shuts down with the server: the waiting exchanges' connections close
                        }
                    }
                });
            } catch (RejectedExecutionException e) {
                running.decrementAndGet();
                throw e;
            }
        }
    }
}
