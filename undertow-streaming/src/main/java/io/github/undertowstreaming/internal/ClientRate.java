package io.github.undertowstreaming.internal;

import java.util.concurrent.TimeUnit;

/**
 * {@code min-rate} and {@code min-request-rate}: whether a client moves too few bytes for the time
 * it is waited on. The clock is the time spent waiting for this client (a writer waiting for its
 * socket or stream to take bytes, a reader waiting for the request body), never the time the
 * stream waits for its own body (a slow source), nor the time a fast client needed no wait.
 *
 * <p>Nothing is judged during the grace: the first tens of KiB vanish into kernel buffers at once,
 * which would make any average from the stream's start generous for far too long. From the end of
 * the grace the bytes are counted over a sliding window of waiting time (the grace's length, at
 * least a second): once a whole window has passed, a client that moved fewer than
 * {@code min-rate × window} bytes in the last window is too slow.
 *
 * <p>Not thread-safe: one thread feeds and asks it at a time (the stream's IO thread for the
 * pump, the waiting thread for a dispatched exchange). Memory is bounded: samples are kept only
 * when the waiting time moved on, at most {@link #SAMPLES} of them.
 */
final class ClientRate {

    /** Samples kept in the window; a check comes every slice, and older samples are merged away. */
    static final int SAMPLES = 64;

    private final long minRate;
    private final long grace;
    private final long window;
    /** Ring of (waited, bytes) samples taken after the grace, oldest at {@link #head}. */
    private final long[] waitedAt = new long[SAMPLES];
    private final long[] bytesAt = new long[SAMPLES];
    private int head;
    private int size;

    /**
     * @param minRate bytes per second, more than 0
     * @param grace   how much waiting is allowed before the rate counts
     */
    ClientRate(long minRate, java.time.Duration grace) {
        this.minRate = minRate;
        this.grace = grace.toNanos();
        this.window = Math.max(TimeUnit.SECONDS.toNanos(1), this.grace);
    }

    /** The window over which the rate is measured, in nanoseconds. */
    long window() {
        return window;
    }

    /**
     * Given how long the client has been waited on in all ({@code waited}, nanoseconds) and how
     * many bytes it has moved in all, returns the rate it kept over the last window (bytes per
     * second) if that is below {@code min-rate}, or -1 while it is not (or not yet judged).
     */
    long tooSlow(long waited, long bytes) {
        if (waited < grace) {
            return -1;
        }
        if (size > 0 && waited == waitedAt[(head + size - 1) % SAMPLES]) {
            return -1; // not waited on since the last check: nothing new to judge
        }
        if (size == SAMPLES) {
            // keep the span: drop the second oldest, not the oldest
            int second = (head + 1) % SAMPLES;
            waitedAt[second] = waitedAt[head];
            bytesAt[second] = bytesAt[head];
            head = second;
            size--;
        }
        int tail = (head + size) % SAMPLES;
        waitedAt[tail] = waited;
        bytesAt[tail] = bytes;
        size++;
        // slide: the oldest sample that still leaves a whole window behind the newest
        while (size > 1 && waited - waitedAt[(head + 1) % SAMPLES] >= window) {
            head = (head + 1) % SAMPLES;
            size--;
        }
        long span = waited - waitedAt[head];
        if (span < window) {
            return -1;
        }
        long rate = (long) ((bytes - bytesAt[head]) * 1e9 / span);
        return rate < minRate ? rate : -1;
    }
}
