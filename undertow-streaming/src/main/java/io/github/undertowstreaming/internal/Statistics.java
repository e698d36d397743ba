package io.github.undertowstreaming.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one {@code AsyncStreamingHandler}, or the process-wide ones ({@link #GLOBAL}).
 * A handler's counters pass every update on to {@link #GLOBAL} too, so that the pump counts once.
 * Cheap to update from any thread; read one counter after another, so a snapshot is not atomic.
 */
public final class Statistics {

    /** Every stream of the process, with or without a handler. */
    public static final Statistics GLOBAL = new Statistics(null);

    /** Where every update goes too: {@link #GLOBAL}, or null for GLOBAL itself. */
    private final Statistics parent;

    private final LongAdder started = new LongAdder();
    private final LongAdder finished = new LongAdder();
    private final LongAdder bodyFailures = new LongAdder();
    private final LongAdder clientFailures = new LongAdder();
    private final LongAdder writeFailures = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder limited = new LongAdder();
    /** Streams whose client was dropped for {@code min-rate}. */
    private final LongAdder tooSlow = new LongAdder();
    /** Dispatched exchanges whose client was dropped for {@code min-rate} or {@code min-request-rate}. */
    private final LongAdder dispatchedTooSlow = new LongAdder();
    /**
     * Who waits for its client right now (a stream's armed writer, a dispatched exchange's parked
     * write or read): since when ({@code System.nanoTime()}) and how many bytes it holds.
     */
    private final java.util.concurrent.ConcurrentHashMap<Object, long[]> waiting = new java.util.concurrent.ConcurrentHashMap<>();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder readNanos = new LongAdder();
    /** Streams admitted and not ended: what {@code max-streams} bounds. */
    private final AtomicLong inFlight = new AtomicLong();
    /** {@code max-dispatched}: exchanges running on the dispatch executor under the gate, and waiting for a place. */
    private final AtomicLong dispatchRunning = new AtomicLong();
    private final AtomicLong dispatchQueued = new AtomicLong();
    /** {@code max-dispatched}: exchanges refused with 503 (the queue full, or the executor refused a waiting one). */
    private final LongAdder dispatchRefused = new LongAdder();

    /** A handler's counters, which also count in {@link #GLOBAL}. */
    public Statistics() {
        this(GLOBAL);
    }

    private Statistics(Statistics parent) {
        this.parent = parent;
    }

    /** Admits a stream if fewer than {@code max} are in flight (0: no limit); false if not. */
    boolean admit(int max) {
        for (;;) {
            long n = inFlight.get();
            if (max > 0 && n >= max) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                started.increment();
                if (parent != null) {
                    parent.admit(0);
                }
                return true;
            }
        }
    }

    void ended(Pump.Failure failure) {
        if (parent != null) {
            parent.ended(failure);
        }
        inFlight.decrementAndGet();
        if (failure == null) {
            finished.increment();
            return;
        }
        switch (failure) {
            case BODY:
                bodyFailures.increment();
                break;
            case CLIENT:
                clientFailures.increment();
                break;
            case WRITE:
                writeFailures.increment();
                break;
            case REJECTED:
                rejected.increment();
                break;
            case TIMEOUT:
                timeouts.increment();
                break;
            case TOO_SLOW:
                tooSlow.increment();
                break;
            default:
                throw new AssertionError(failure);
        }
    }

    /** A dispatched exchange's client was dropped for a minimum rate (streams count through {@link #ended}). */
    void countTooSlow() {
        dispatchedTooSlow.increment();
        if (parent != null) {
            parent.countTooSlow();
        }
    }

    /** {@code who} begins to wait for its client, holding {@code bytes}; any thread. */
    void waitBegan(Object who, long since, long bytes) {
        waiting.put(who, new long[] {since, bytes});
        if (parent != null) {
            parent.waitBegan(who, since, bytes);
        }
    }

    /** {@code who} no longer waits for its client; any thread; nothing if it did not. */
    void waitEnded(Object who) {
        if (waiting.remove(who) != null && parent != null) {
            parent.waitEnded(who);
        }
    }

    /** {@return streams and dispatched exchanges waiting for their client right now} */
    public long waitingForClients() {
        return waiting.size();
    }

    /** {@return the bytes they hold (buffers of a stream, the unwritten rest of a blocked write)} */
    public long bytesHeldWaiting() {
        long sum = 0;
        for (long[] w : waiting.values()) {
            sum += w[1];
        }
        return sum;
    }

    /** {@return how long the longest current wait for a client has lasted, in nanoseconds; 0 if none} */
    public long longestWaitNanos() {
        long now = System.nanoTime();
        long longest = 0;
        for (long[] w : waiting.values()) {
            longest = Math.max(longest, now - w[0]);
        }
        return longest;
    }

    /** The gate of {@code max-dispatched} changed its running count by {@code delta}. */
    void dispatchRunning(int delta) {
        dispatchRunning.addAndGet(delta);
        if (parent != null) {
            parent.dispatchRunning(delta);
        }
    }

    /** The gate of {@code max-dispatched} changed its queue by {@code delta}. */
    void dispatchQueued(int delta) {
        dispatchQueued.addAndGet(delta);
        if (parent != null) {
            parent.dispatchQueued(delta);
        }
    }

    /** The gate of {@code max-dispatched} refused an exchange. */
    void countDispatchRefused() {
        dispatchRefused.increment();
        if (parent != null) {
            parent.countDispatchRefused();
        }
    }

    /** {@return {@code max-dispatched}: exchanges running under the limit now} */
    public long dispatchRunning() {
        return dispatchRunning.get();
    }

    /** {@return {@code max-dispatched}: exchanges waiting for a place now} */
    public long dispatchQueued() {
        return dispatchQueued.get();
    }

    /** {@return {@code max-dispatched}: exchanges refused with 503} */
    public long dispatchRefused() {
        return dispatchRefused.sum();
    }

    void countLimited() {
        limited.increment();
        if (parent != null) {
            parent.countLimited();
        }
    }

    void sent(long bytes) {
        bytesSent.add(bytes);
        if (parent != null) {
            parent.sent(bytes);
        }
    }

    void read(long nanos) {
        readNanos.add(nanos);
        if (parent != null) {
            parent.read(nanos);
        }
    }

    /** {@return streams admitted and not yet ended} */
    public long inFlight() {
        return inFlight.get();
    }

    /** {@return streams started} */
    public long started() {
        return started.sum();
    }

    /** {@return streams whose every byte was written} */
    public long finished() {
        return finished.sum();
    }

    /** {@return streams whose body failed} */
    public long bodyFailures() {
        return bodyFailures.sum();
    }

    /** {@return streams whose client went away} */
    public long clientFailures() {
        return clientFailures.sum();
    }

    /** {@return streams whose write failed on this side} */
    public long writeFailures() {
        return writeFailures.sum();
    }

    /** {@return streams whose executor refused a task} */
    public long rejected() {
        return rejected.sum();
    }

    /** {@return streams that hit the read or the write timeout} */
    public long timeouts() {
        return timeouts.sum();
    }

    /** {@return streams whose client was dropped below {@code min-rate}} */
    public long tooSlow() {
        return tooSlow.sum();
    }

    /** {@return dispatched exchanges whose client was dropped below a minimum rate} */
    public long dispatchedTooSlow() {
        return dispatchedTooSlow.sum();
    }

    /** {@return streams refused by {@code max-streams}} */
    public long limited() {
        return limited.sum();
    }

    /** {@return body bytes written to responses} */
    public long bytesSent() {
        return bytesSent.sum();
    }

    /** {@return nanoseconds spent in body reads, summed over streams} */
    public long readNanos() {
        return readNanos.sum();
    }
}
