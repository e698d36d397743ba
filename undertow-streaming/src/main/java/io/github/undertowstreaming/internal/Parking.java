package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.Channel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import org.xnio.ChannelListener;
import org.xnio.XnioIoThread;

/**
 * A blocking wait for one direction of one exchange (its response becoming writable, or its
 * request readable) that parks the waiting thread instead of selecting or waiting on a monitor:
 * transparent mode, where existing blocking code runs on the dispatch executor (virtual threads,
 * typically) and waits in {@code awaitWritable()} or {@code awaitReadable()}.
 *
 * <p>Undertow's own waits: XNIO's {@code SelectorUtils.await} on HTTP/1.x opens a temporary
 * {@code Selector} per waiting thread (on JDK 21 it pins a virtual thread's carrier; on JDK 24+ it
 * keeps an epoll fd and an eventfd per waiting thread until finalization); an HTTP/2 stream's
 * {@code AbstractFramedStreamSinkChannel.awaitWritable} and {@code AbstractFramedStreamSourceChannel
 * .awaitReadable} are {@code synchronized} + {@code wait}, which pin the carrier on JDK 21 to 23.
 * This wait instead sets, for its time, a listener on the exchange's channel (the one Undertow's
 * ready handler calls on the IO thread when the socket or stream is ready), resumes the channel,
 * and parks. The listener suspends the channel, puts the previous listener back and unparks.
 *
 * <p><b>Every change of interest is made on the IO thread</b> (arm, ready, re-arm, disarm). The
 * waiting thread only parks and posts tasks. Undertow's {@code SslConduit} and its timeout
 * conduits change interest from the IO thread themselves: a resume from the waiting thread raced
 * with {@code SslConduit.SslWriteReadyHandler.writeReady}, which suspends the socket's writes from
 * a state it read before calling the listener, and the wake-up was lost for good.
 *
 * <p><b>Timeouts</b> ({@code timeout}: the listener's read or write timeout, combined with Undertow's
 * idle timeout as its timeout conduits combine them): this wait owns them. Undertow's
 * {@code WriteTimeoutStreamSinkConduit} and {@code IdleTimeoutConduit} arm a timer on the IO thread
 * whenever writes are resumed ({@code handleResumeTimeout}), {@code ReadTimeoutStreamSourceConduit}
 * when reads are resumed with no timer pending ({@code resumeReads} -> {@code handleReadTimeout});
 * each disarms on suspend. Their timer closes the connection from the IO thread, and closing it
 * runs {@code AbstractServerConnection.CloseSetter}, which ends the exchange there: the blocking
 * exchange's output stream is closed and its pooled buffer freed while the parked writer still
 * holds it. With XNIO's own wait no timer runs (nothing is resumed): the timeout is noticed by the
 * writer's next {@code write}, on its own thread. So here: while the wait is pending, every
 * {@code slice} (at most a third of the timeout) the IO thread re-arms the channel (suspend, then
 * resume), which moves their timers on and never lets them fire; and when the wait has lasted the
 * timeout with no readiness, it ends with {@link Outcome#TIMED_OUT}, and the caller closes the
 * connection (HTTP/1.x, from its own thread, as {@code WriteTimeoutStreamSinkConduit.handleWriteTimeout}
 * does) or resets the stream (HTTP/2) and throws. The timeout keeps its meaning: no progress for
 * that long.
 *
 * <p><b>Minimum rates</b> ({@code min-rate}, {@code min-request-rate}; {@link ClientRate}): the
 * time spent in these waits is the clock, the bytes the client moved the measure, judged at
 * every wait and every slice; a client below the minimum ends the wait with
 * {@link Outcome#TOO_SLOW}, and the caller drops it abortively and throws.
 *
 * <p><b>No lost wake-up outlives a live connection</b>: the same re-arm, every {@code slice} (one
 * second without a timeout), restores interest that something dropped. A closed connection or
 * stream ends the wait at the next slice.
 *
 * @param <C> the channel's type
 */
final class Parking<C extends Channel> {

    /** How often a pending wait is re-armed, without a timeout: the latest a lost wake-up is found. */
    static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How a wait ended, when it did not throw. */
    enum Outcome {
        /** The channel is ready, or closed: the caller retries and sees which. */
        READY,
        /** The time the caller gave ran out. */
        ELAPSED,
        /** No readiness for the listener's timeout: the caller closes the connection or stream and throws. */
        TIMED_OUT,
        /**
         * The client moved fewer bytes than its minimum rate over the time it was waited on
         * ({@link #measuredRate}): the caller drops it, abortively, and throws.
         */
        TOO_SLOW
    }

    private final Direction<C> direction;
    private final C channel;
    private final XnioIoThread io;
    /**
     * Whether the connection is still open. Not the channel's own {@code isOpen()}: on HTTP/1.1 it
     * is false once writes are shut down, while the last bytes still wait to be flushed. An HTTP/2
     * stream that the client resets calls the listener itself ({@code AbstractFramedStreamSinkChannel
     * .markBroken} and {@code close} invoke the write listener of a resumed channel).
     */
    private final BooleanSupplier open;
    private final long timeout;
    private final long slice;
    /** The minimum rate ({@code min-rate}, {@code min-request-rate}), or null for none; waiting thread only. */
    private final ClientRate rate;
    /** The bytes the client has moved in all (taken by writes, given by reads); read on the waiting thread. */
    private final LongSupplier moved;
    /** The bytes a waiting thread holds (the rest of its write), for the statistics. */
    private final LongSupplier held;
    private final Statistics stats;
    /** The waits before the one under way, in all; waiting thread only (one wait at a time). */
    private long waited;
    /** The rate of the last {@link Outcome#TOO_SLOW}, bytes per second. */
    private long measuredRate = -1;
    /** The wait whose listener is set; IO thread only. */
    private Waiter pending;

    /**
     * @param timeout the listener's timeout for this direction, in nanoseconds; 0 for none
     * @param rate    the client's minimum rate, or null for none
     * @param moved   the bytes the client has moved in all, for {@code rate}
     * @param held    the bytes the waiting thread holds, for the statistics
     */
    Parking(Direction<C> direction, C channel, XnioIoThread io, BooleanSupplier open, long timeout, ClientRate rate,
            LongSupplier moved, LongSupplier held, Statistics stats) {
        this.direction = direction;
        this.channel = channel;
        this.io = io;
        this.open = open;
        this.timeout = timeout;
        this.rate = rate;
        this.moved = moved;
        this.held = held;
        this.stats = stats;
        long s = timeout > 0 ? Math.min(RECHECK_NANOS, Math.max(TimeUnit.MILLISECONDS.toNanos(1), timeout / 3))
                : RECHECK_NANOS;
        this.slice = rate == null ? s : Math.min(s, rate.window() / 4);
    }

    /** The rate that ended the last wait as {@link Outcome#TOO_SLOW}, in bytes per second. */
    long measuredRate() {
        return measuredRate;
    }

    /** The window of the minimum rate, in nanoseconds; 0 without one. */
    long rateWindow() {
        return rate == null ? 0 : rate.window();
    }

    /** The listener's timeout for this direction, in nanoseconds; 0 for none. */
    long timeout() {
        return timeout;
    }

    /**
     * Waits for the channel to be ready; {@code nanos} at most, or with no limit of the caller's if
     * negative. Called on the waiting thread, never the IO thread.
     *
     * @throws InterruptedIOException if the thread is interrupted (its interrupt status kept)
     * @throws java.nio.channels.ClosedChannelException if the IO thread takes no more tasks
     */
    Outcome await(long nanos) throws IOException {
        Waiter w = new Waiter(Thread.currentThread());
        long start = System.nanoTime();
        Statistics.Wait record = stats.waitBegan(start, held.getAsLong());
        try {
            return await(w, start, nanos);
        } finally {
            stats.waitEnded(record);
            // until the channel was ready, not until this thread ran again: the time a virtual
            // thread waits for a carrier on a busy server is the server's, not the client's
            long readyAt = w.readyAt;
            waited += (readyAt != 0 ? readyAt : System.nanoTime()) - start;
        }
    }

    private Outcome await(Waiter w, long start, long nanos) throws IOException {
        if (rate != null) {
            // judged at every wait too: a trickle client makes many short waits, none a slice long
            long r = rate.tooSlow(waited, moved.getAsLong());
            if (r >= 0) {
                measuredRate = r;
                return Outcome.TOO_SLOW;
            }
        }
        long limit = nanos < 0 ? Long.MAX_VALUE : nanos;
        long expiry = timeout > 0 ? timeout : Long.MAX_VALUE;
        OnIoThread.call(io, () -> {
            arm(w);
            return null;
        });
        long nextCheck = start + slice;
        for (;;) {
            if (w.ready) {
                return Outcome.READY;
            }
            if (Thread.currentThread().isInterrupted()) {
                disarm(w);
                throw new InterruptedIOException();
            }
            long now = System.nanoTime();
            long elapsed = now - start;
            if (elapsed >= expiry && expiry <= limit) {
                disarm(w);
                return w.ready ? Outcome.READY : Outcome.TIMED_OUT;
            }
            if (elapsed >= limit) {
                disarm(w);
                return w.ready ? Outcome.READY : Outcome.ELAPSED;
            }
            if (now - nextCheck >= 0) {
                if (rate != null) {
                    long r = rate.tooSlow(waited + elapsed, moved.getAsLong());
                    if (r >= 0) {
                        disarm(w);
                        if (!w.ready) {
                            measuredRate = r;
                            return Outcome.TOO_SLOW;
                        }
                        return Outcome.READY;
                    }
                }
                if (!open.getAsBoolean()) {
                    disarm(w);
                    return Outcome.READY; // the caller's retry sees the closed channel
                }
                if (!OnIoThread.execute(io, () -> rearm(w))) {
                    disarm(w);
                    return Outcome.READY;
                }
                nextCheck = now + slice;
            }
            long until = Math.min(nextCheck - now, Math.min(expiry, limit) - elapsed);
            LockSupport.parkNanos(this, Math.max(until, 1));
        }
    }

    /** On the IO thread: listens for the channel's readiness and resumes it. */
    private void arm(Waiter w) {
        if (!open.getAsBoolean()) {
            w.wake(); // the caller's retry sees it closed
            return;
        }
        w.previous = direction.listener(channel);
        direction.setListener(channel, w);
        pending = w;
        direction.resume(channel);
    }

    /**
     * On the IO thread, every slice while {@code w} is pending: suspend and resume again. Restores
     * interest that something dropped (a lost wake-up) and moves the timeout conduits' timers on.
     */
    private void rearm(Waiter w) {
        if (pending == w) {
            direction.suspend(channel);
            direction.resume(channel);
        }
    }

    /** On the IO thread: the wait is over; suspends and puts the previous listener back. */
    private void release(Waiter w) {
        pending = null;
        direction.suspend(channel);
        if (direction.listener(channel) == w) {
            direction.setListener(channel, w.previous);
        }
    }

    /**
     * Ends {@code w} without readiness, on the IO thread, and waits for it: when this returns, the
     * channel's interest and listener are as they were, so that the caller may go on, and the
     * exchange end, without a late change of interest reaching the connection's next exchange.
     */
    private void disarm(Waiter w) throws IOException {
        OnIoThread.call(io, () -> {
            if (pending == w) {
                release(w);
            }
            return null;
        });
    }

    /** One wait: its listener, called on the IO thread when the channel is ready. */
    private final class Waiter implements ChannelListener<C> {
        private final Thread thread;
        /** The listener the wait replaced; IO thread only. */
        ChannelListener<? super C> previous;
        volatile boolean ready;
        /** When the channel was found ready or closed ({@code System.nanoTime()}), or 0. */
        volatile long readyAt;

        Waiter(Thread thread) {
            this.thread = thread;
        }

        @Override
        public void handleEvent(C c) {
            if (pending == this) {
                release(this);
            }
            wake();
        }

        void wake() {
            readyAt = System.nanoTime();
            ready = true;
            LockSupport.unpark(thread);
        }
    }

    /** Writes or reads of a channel, so that one wait serves both directions. */
    interface Direction<C extends Channel> {
        ChannelListener<? super C> listener(C channel);

        void setListener(C channel, ChannelListener<? super C> listener);

        void resume(C channel);

        void suspend(C channel);
    }
}
