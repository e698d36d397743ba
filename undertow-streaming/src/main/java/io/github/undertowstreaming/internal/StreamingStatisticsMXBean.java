package io.github.undertowstreaming.internal;

/**
 * The statistics of one named {@code AsyncStreamingHandler} over JMX. Public because JMX needs
 * it; not part of the library's API.
 */
public interface StreamingStatisticsMXBean {

    /** Streams started and not yet ended. */
    long getStreamsInFlight();

    long getStreamsStarted();

    long getStreamsFinished();

    /** The sum of the six failure counts. */
    long getStreamsFailed();

    long getBodyFailures();

    long getClientFailures();

    long getWriteFailures();

    long getRejected();

    long getTimeouts();

    /** Streams whose client was dropped below min-rate. */
    long getTooSlow();

    /** Dispatched exchanges whose client was dropped below min-rate or min-request-rate. */
    long getDispatchedTooSlow();

    /** Streams and dispatched exchanges waiting for their client right now. */
    long getWaitingForClients();

    /** The bytes they hold. */
    long getBytesHeldWaiting();

    /** The longest current wait for a client, in milliseconds. */
    long getLongestWaitMillis();

    /** Streams refused with 503 by max-streams. */
    long getLimited();

    long getBytesSent();

    /** Time spent in body reads, summed over streams. */
    long getReadTimeMillis();

    /** {@code max-dispatched}: exchanges running under the limit now. */
    long getDispatchRunning();

    /** {@code max-dispatched}: exchanges waiting for a place now. */
    long getDispatchQueued();

    /** {@code max-dispatched}: exchanges refused with 503. */
    long getDispatchRefused();
}
