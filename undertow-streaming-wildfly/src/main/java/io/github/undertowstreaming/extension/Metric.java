package io.github.undertowstreaming.extension;

import java.util.function.ToLongFunction;

import org.jboss.as.controller.AttributeDefinition;
import org.jboss.as.controller.SimpleAttributeDefinitionBuilder;
import org.jboss.as.controller.client.helpers.MeasurementUnit;
import org.jboss.as.controller.registry.AttributeAccess;
import org.jboss.dmr.ModelNode;
import org.jboss.dmr.ModelType;

import io.github.undertowstreaming.Streaming;

/**
 * The subsystem's runtime-only metrics, and each deployment's: the counters of
 * {@link Streaming.Stats}, under the names of the library's JMX view ({@code StreamsInFlight}
 * becomes {@code streams-in-flight}).
 */
enum Metric {
    STREAMS_IN_FLIGHT("streams-in-flight", false, MeasurementUnit.NONE, Streaming.Stats::inFlight),
    STREAMS_STARTED("streams-started", true, MeasurementUnit.NONE, Streaming.Stats::started),
    STREAMS_FINISHED("streams-finished", true, MeasurementUnit.NONE, Streaming.Stats::finished),
    STREAMS_FAILED("streams-failed", true, MeasurementUnit.NONE, Streaming.Stats::failed),
    BODY_FAILURES("body-failures", true, MeasurementUnit.NONE, Streaming.Stats::bodyFailures),
    CLIENT_FAILURES("client-failures", true, MeasurementUnit.NONE, Streaming.Stats::clientFailures),
    WRITE_FAILURES("write-failures", true, MeasurementUnit.NONE, Streaming.Stats::writeFailures),
    REJECTED("rejected", true, MeasurementUnit.NONE, Streaming.Stats::rejected),
    TIMEOUTS("timeouts", true, MeasurementUnit.NONE, Streaming.Stats::timeouts),
    LIMITED("limited", true, MeasurementUnit.NONE, Streaming.Stats::limited),
    TOO_SLOW("too-slow", true, MeasurementUnit.NONE, Streaming.Stats::tooSlow),
    DISPATCHED_TOO_SLOW("dispatched-too-slow", true, MeasurementUnit.NONE, Streaming.Stats::dispatchedTooSlow),
    WAITING_FOR_CLIENTS("waiting-for-clients", false, MeasurementUnit.NONE, Streaming.Stats::waitingForClients),
    BYTES_HELD_WAITING("bytes-held-waiting", false, MeasurementUnit.BYTES, Streaming.Stats::bytesHeldWaiting),
    /** The longest current wait: the largest over the deployments, not their sum. */
    LONGEST_WAIT("longest-wait", false, MeasurementUnit.MILLISECONDS, s -> s.longestWait().toMillis()),
    BYTES_SENT("bytes-sent", true, MeasurementUnit.BYTES, Streaming.Stats::bytesSent),
    READ_TIME("read-time", true, MeasurementUnit.MILLISECONDS, s -> s.readTime().toMillis()),
    /** {@code max-dispatched}: exchanges running under the limit. */
    DISPATCH_RUNNING("dispatch-running", false, MeasurementUnit.NONE, Streaming.Stats::dispatchRunning),
    /** {@code max-dispatched}: exchanges waiting for a place. */
    DISPATCH_QUEUED("dispatch-queued", false, MeasurementUnit.NONE, Streaming.Stats::dispatchQueued),
    /** {@code max-dispatched}: exchanges refused with 503. */
    DISPATCH_REFUSED("dispatch-refused", true, MeasurementUnit.NONE, Streaming.Stats::dispatchRefused);

    private final String attributeName;
    /** A counter only grows; a gauge (streams in flight, the waits for clients) is not kept for an undeployed deployment. */
    private final boolean counter;
    private final ToLongFunction<Streaming.Stats> read;
    private final AttributeDefinition definition;

    Metric(String attributeName, boolean counter, MeasurementUnit unit, ToLongFunction<Streaming.Stats> read) {
        this.attributeName = attributeName;
        this.counter = counter;
        this.read = read;
        // undefined while statistics-enabled is false, as WildFly's own metrics
        SimpleAttributeDefinitionBuilder b = new SimpleAttributeDefinitionBuilder(attributeName, ModelType.LONG, true)
                .setStorageRuntime();
        if (unit != MeasurementUnit.NONE) {
            b.setMeasurementUnit(unit);
        }
        if (counter) {
            b.addFlag(AttributeAccess.Flag.COUNTER_METRIC);
        } else {
            b.addFlag(AttributeAccess.Flag.GAUGE_METRIC);
        }
        this.definition = b.build();
    }

    AttributeDefinition definition() {
        return definition;
    }

    String attributeName() {
        return attributeName;
    }

    boolean counter() {
        return counter;
    }

    /** Whether the deployments' values are combined by their largest (else by their sum). */
    boolean largest() {
        return this == LONGEST_WAIT;
    }

    long of(Streaming.Stats stats) {
        return read.applyAsLong(stats);
    }

    static Metric named(String attributeName) {
        for (Metric m : values()) {
            if (m.attributeName.equals(attributeName)) {
                return m;
            }
        }
        throw new IllegalArgumentException(attributeName);
    }
}
