package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.xnio.ChannelListener;

/**
 * A blocking wait for an HTTP/1.x connection to become writable (or readable) that parks the
 * waiting thread instead of selecting: for transparent mode, where existing blocking code runs
 * on the dispatch executor (virtual threads, typically) and waits in {@code awaitWritable()}.
 *
 * <p>XNIO's own wait ({@code SelectorUtils.await}) opens a temporary {@code Selector} per waiting
 * thread: on JDK 21 it pins a virtual thread's carrier, on JDK 24+ it parks but keeps an epoll fd
 * and an eventfd per waiting thread until finalization. This wait instead sets, for the time of
 * the wait, a listener on the connection's channel (the one that XNIO's socket conduit calls on
 * the IO thread when the socket is ready), resumes the channel, and parks. The listener, on the
 * IO thread, suspends the channel and unparks the thread; the previous listener is put back.
 * Nothing here holds a carrier, a selector or a file descriptor while the client is slow.
 *
 * <p>The wait ends when the channel is ready, when the time given runs out, when the thread is
 * interrupted (its interrupt status kept), or when the channel is closed: a parked thread also
 * wakes every {@link #RECHECK_MS} ms to look at that, so that a connection closed under it by a
 * timeout cannot leave it parked. The caller retries its write or read either way, as after
 * XNIO's own wait, and sees the closed channel or the timeout there.
 */
final class Parking {

    /** How often a parked thread checks that its channel is still open. */
    static final long RECHECK_MS = 1000;

    private Parking() {
    }

    /**
     * Waits for {@code channel} to be ready; {@code nanos} at most, or with no limit if negative, or
     * until {@code connection} is closed. {@code direction} says writes or reads. Called on the
     * waiting thread, never an IO thread.
     */
    static <C extends java.nio.channels.Channel> void await(Direction<C> direction, C channel,
            java.nio.channels.Channel connection, long nanos) throws IOException {
        Thread waiter = Thread.currentThread();
        Ready<C> ready = new Ready<>(waiter, direction);
        ChannelListener<? super C> previous = direction.listener(channel);
        direction.setListener(channel, ready);
        try {
            direction.resume(channel);
            long deadline = nanos < 0 ? 0 : System.nanoTime() + nanos;
            // the connection's own state: the response conduits above it keep theirs, and a
            // connection closed by a timeout under them still looks open from up here
            while (!ready.done && connection.isOpen()) {
                long slice = TimeUnit.MILLISECONDS.toNanos(RECHECK_MS);
                if (nanos >= 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    slice = Math.min(slice, left);
                }
                LockSupport.parkNanos(ready, slice);
                if (waiter.isInterrupted()) {
                    break;
                }
            }
        } finally {
            if (!ready.done) {
                direction.suspend(channel);
            }
            direction.setListener(channel, previous);
        }
    }

    /** The listener for the time of one wait: on the IO thread, suspends and unparks. */
    private static final class Ready<C extends java.nio.channels.Channel> implements ChannelListener<C> {
        private final Thread waiter;
        private final Direction<C> direction;
        volatile boolean done;

        Ready(Thread waiter, Direction<C> direction) {
            this.waiter = waiter;
            this.direction = direction;
        }

        @Override
        public void handleEvent(C channel) {
            direction.suspend(channel);
            done = true;
            LockSupport.unpark(waiter);
        }
    }

    /** Writes or reads of a channel, so that one wait serves both directions. */
    interface Direction<C extends java.nio.channels.Channel> {
        ChannelListener<? super C> listener(C channel);

        void setListener(C channel, ChannelListener<? super C> listener);

        void resume(C channel);

        void suspend(C channel);
    }
}
