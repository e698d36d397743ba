package io.github.undertowstreaming.extension;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

import io.github.undertowstreaming.AsyncStreamingHandler;

/**
 * The subsystem's counters: the handlers it put in front of web deployments, by deployment (its
 * resource's address, {@code app.war} or {@code app.ear/web.war}). The subsystem's metrics are
 * their sum; a deployment's, its own handlers' ({@code /deployment=X/subsystem=undertow-streaming}).
 * A deployment that goes away leaves its counts behind in the subsystem's (its streams in flight
 * excepted), so those only grow from one start or reload of the server to the next.
 * Thread-safe; a read that races with an undeployment may miss that deployment's counts once.
 */
final class HandlerStatistics {

    private final Map<String, List<AsyncStreamingHandler>> live = new ConcurrentHashMap<>();
    private final Map<Metric, LongAdder> retired = new EnumMap<>(Metric.class);

    HandlerStatistics() {
        for (Metric m : Metric.values()) {
            retired.put(m, new LongAdder());
        }
    }

    void add(String deployment, AsyncStreamingHandler handler) {
        live.computeIfAbsent(deployment, d -> new CopyOnWriteArrayList<>()).add(handler);
    }

    /** The deployment went away: its counters stay in the subsystem's sums. */
    void retire(String deployment) {
        List<AsyncStreamingHandler> handlers = live.remove(deployment);
        if (handlers == null) {
            return;
        }
        for (AsyncStreamingHandler h : handlers) {
            var stats = h.statistics();
            for (Metric m : Metric.values()) {
                if (m.counter()) {
                    retired.get(m).add(m.of(stats));
                }
            }
        }
    }

    /** The subsystem's value of {@code metric}: over every deployment, those gone included. */
    long value(Metric metric) {
        long v = metric.largest() ? 0 : retired.get(metric).sum();
        for (List<AsyncStreamingHandler> handlers : live.values()) {
            v = combine(metric, v, handlers);
        }
        return v;
    }

    /** {@code deployment}'s value of {@code metric}, or -1 if it has no handler (not wrapped, or gone). */
    long value(String deployment, Metric metric) {
        List<AsyncStreamingHandler> handlers = live.get(deployment);
        return handlers == null ? -1 : combine(metric, 0, handlers);
    }

    private static long combine(Metric metric, long v, List<AsyncStreamingHandler> handlers) {
        for (AsyncStreamingHandler h : handlers) {
            long x = metric.of(h.statistics());
            v = metric.largest() ? Math.max(v, x) : v + x;
        }
        return v;
    }
}
