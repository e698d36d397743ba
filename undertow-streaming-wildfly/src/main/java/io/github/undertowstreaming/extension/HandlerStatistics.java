package io.github.undertowstreaming.extension;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.github.undertowstreaming.AsyncStreamingHandler;

/**
 * The subsystem's counters: the sum over the handlers it put in front of web deployments. A
 * deployment that goes away leaves its counts behind (its streams in flight excepted), so the
 * counters only grow from one start or reload of the server to the next. Thread-safe; a read
 * that races with an undeployment may miss that deployment's counts once.
 */
final class HandlerStatistics {

    private final Set<AsyncStreamingHandler> live = ConcurrentHashMap.newKeySet();
    private final Map<Metric, LongAdder> retired = new EnumMap<>(Metric.class);

    HandlerStatistics() {
        for (Metric m : Metric.values()) {
            retired.put(m, new LongAdder());
        }
    }

    void add(AsyncStreamingHandler handler) {
        live.add(handler);
    }

    void retire(AsyncStreamingHandler handler) {
        if (live.remove(handler)) {
            var stats = handler.statistics();
            for (Metric m : Metric.values()) {
                if (m.counter()) {
                    retired.get(m).add(m.of(stats));
                }
            }
        }
    }

    long value(Metric metric) {
        if (metric.largest()) {
            long largest = 0;
            for (AsyncStreamingHandler h : live) {
                largest = Math.max(largest, metric.of(h.statistics()));
            }
            return largest;
        }
        long sum = retired.get(metric).sum();
        for (AsyncStreamingHandler h : live) {
            sum += metric.of(h.statistics());
        }
        return sum;
    }
}
