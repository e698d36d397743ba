package io.github.undertowstreaming.internal;

/**
 * The statistics of one named {@code AsyncStreamingHandler} over JMX. Public because JMX needs
 * it; not part of the library's API.
 */
public interface StreamingStatisticsMXBean {

    /** {@return streams started and not yet ended} */
    long getStreamsInFlight();

    /** {@return streams started} */
    long getStreamsStarted();

    /** {@return streams whose every byte was written} */
    long getStreamsFinished();

    /** {@return the sum of the six failure counts} */
    long getStreamsFailed();

    /** {@return streams whose body failed} */
    long getBodyFailures();

    /** {@return streams whose client went away} */
    long getClientFailures();

    /** {@return streams whose write failed on this side} */
    long getWriteFailures();

    /** {@return streams whose executor refused a task} */
    long getRejected();

    /** {@return streams that hit the read or the write timeout} */
    long getTimeouts();

    /** {@return streams whose client was dropped below min-rate} */
    long getTooSlow();

    /** {@return dispatched exchanges whose client was dropped below min-rate or min-request-rate} */
    long getDispatchedTooSlow();

    /** {@return streams and dispatched exchanges waiting for their client right now} */
    long getWaitingForClients();

    /** {@return the bytes they hold} */
    long getBytesHeldWaiting();

    /** {@return the longest current wait for a client, in milliseconds} */
    long getLongestWaitMillis();

    /** {@return streams refused with 503 by max-streams} */
    long getLimited();

    /** {@return body bytes written to responses} */
    long getBytesSent();

    /** {@return time spent in body reads, summed over streams} */
    long getReadTimeMillis();

    /** {@return {@code max-dispatched}: exchanges running under the limit now} */
    long getDispatchRunning();

    /** {@return {@code max-dispatched}: exchanges waiting for a place now} */
    long getDispatchQueued();

    /** {@return {@code max-dispatched}: exchanges refused with 503} */
    long getDispatchRefused();
}
