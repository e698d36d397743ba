package io.github.undertowstreaming.internal;

import java.util.concurrent.atomic.LongAdder;

/** Process-wide counters of streams, the only state the library keeps across requests. */
public final class Counters {

    static final LongAdder STARTED = new LongAdder();
    static final LongAdder FINISHED = new LongAdder();
    static final LongAdder FAILED = new LongAdder();
    static final LongAdder BYTES_SENT = new LongAdder();

    private Counters() {
    }

    /** Streams handed to a pump so far. */
    public static long started() {
        return STARTED.sum();
    }

    /** Streams whose every byte was written. */
    public static long finished() {
        return FINISHED.sum();
    }

    /** Streams that failed: the body, the client or the executor. */
    public static long failed() {
        return FAILED.sum();
    }

    /** Body bytes written to responses. */
    public static long bytesSent() {
        return BYTES_SENT.sum();
    }
}
