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
     * The records of who may wait for its client: a stream's from its admission to its end, a
     * dispatched exchange's parked write or read for that wait. Registered and removed once per
     * stream, not once per wait: a slow client makes its stream wait thousands of times.
     */
    private final java.util.Set<Wait> waits = java.util.concurrent.ConcurrentHashMap.newKeySet();
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

    /**
     * One waiter's record: whether it waits for its client now, since when ({@code System.nanoTime()})
     * and holding how many bytes. Written by its owner only (a stream under its monitor, a parked
     * thread), read by anyone; a reader may see a wait that has just begun or ended, or the bytes
     * of one moment before.
     */
    static final class Wait {
        private volatile long since;
        private volatile long bytes;
        private volatile boolean waiting;

        /** The owner waits from {@code since} on, holding {@code bytes}; again, to tell new bytes. */
        void began(long since, long bytes) {
            this.since = since;
            this.bytes = bytes;
            waiting = true;
        }

        /** The owner no longer waits. */
        void ended() {
            waiting = false;
        }
    }

    /**
     * Admits a stream if fewer than {@code max} are in flight (0: no limit): its record, not
     * waiting yet, which {@link #ended} takes back; null if not admitted.
     */
    Wait admit(int max) {
        for (;;) {
            long n = inFlight.get();
            if (max > 0 && n >= max) {
                return null;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                started.increment();
                Wait w = new Wait();
                register(w);
                if (parent != null) {
                    parent.inFlight.incrementAndGet();
                    parent.started.increment();
                }
                return w;
            }
        }
    }

    private void register(Wait w) {
        waits.add(w);
        if (parent != null) {
            parent.register(w);
        }
    }

    private void unregister(Wait w) {
        waits.remove(w);
        if (parent != null) {
            parent.unregister(w);
        }
    }

    /** The stream admitted with {@code record} ended, failed as {@code failure} or (null) finished. */
    void ended(Wait record, Pump.Failure failure) {
        unregister(record);
        count(failure);
    }

    private void count(Pump.Failure failure) {
        if (parent != null) {
            parent.count(failure);
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

    /**
     * A dispatched exchange's thread begins one wait for its client, holding {@code bytes}: its
     * record, which {@link #waitEnded} takes back. Any thread.
     */
    Wait waitBegan(long since, long bytes) {
        Wait w = new Wait();
        w.began(since, bytes);
        register(w);
        return w;
    }

    /** The wait of {@link #waitBegan} is over. Any thread. */
    void waitEnded(Wait w) {
        unregister(w);
    }

    /** {@return streams and dispatched exchanges waiting for their client right now} */
    public long waitingForClients() {
        long n = 0;
        for (Wait w : waits) {
            if (w.waiting) {
                n++;
            }
        }
        return n;
    }

    /** {@return the bytes they hold (buffers of a stream, the unwritten rest of a blocked write)} */
    public long bytesHeldWaiting() {
        long sum = 0;
        for (Wait w : waits) {
            if (w.waiting) {
                sum += w.bytes;
            }
        }
        return sum;
    }

    /** {@return how long the longest current wait for a client has lasted, in nanoseconds; 0 if none} */
    public long longestWaitNanos() {
        long now = System.nanoTime();
        long longest = 0;
        for (Wait w : waits) {
            if (w.waiting) {
                longest = Math.max(longest, now - w.since);
            }
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
