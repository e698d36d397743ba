package io.github.undertowstreaming.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.xnio.XnioIoThread;

/**
 * Records every {@code close()} of something: how often, on which thread, and when the first one
 * came. {@link #assertClosedOnceNotOnIoThread} is the contract's check: closed exactly once,
 * never on an XNIO IO thread.
 */
public final class CloseRecorder {

    private final String what;
    private final AtomicInteger closes = new AtomicInteger();
    private final List<String> threads = new CopyOnWriteArrayList<>();
    private final List<String> ioThreads = new CopyOnWriteArrayList<>();
    private volatile long firstCloseNanos;

    public CloseRecorder(String what) {
        this.what = what;
    }

    /** Call from the close method; returns true for the first close. */
    public boolean record() {
        Thread t = Thread.currentThread();
        threads.add(t.getName());
        if (t instanceof XnioIoThread) {
            ioThreads.add(t.getName());
        }
        if (closes.incrementAndGet() == 1) {
            firstCloseNanos = System.nanoTime();
            return true;
        }
        return false;
    }

    public int closes() {
        return closes.get();
    }

    public boolean isClosed() {
        return closes.get() > 0;
    }

    /** {@link System#nanoTime} of the first close; meaningful once closed. */
    public long firstCloseNanos() {
        return firstCloseNanos;
    }

    public List<String> threads() {
        return List.copyOf(threads);
    }

    /** Waits for the first close, then checks it was the only one and not on an IO thread. */
    public void assertClosedOnceNotOnIoThread(Duration deadline) {
        Waits.await(this::isClosed, deadline, () -> what + " was never closed");
        assertClosedOnceSoFar();
    }

    /** Checks, without waiting, that any close so far was the only one and not on an IO thread. */
    public void assertClosedOnceSoFar() {
        assertClosedAtMostOnce();
        assertEquals(List.of(), ioThreads, () -> what + " was closed on an XNIO IO thread");
    }

    /** Checks, without waiting, that it was not closed more than once. */
    public void assertClosedAtMostOnce() {
        assertFalse(closes.get() > 1, () -> what + " was closed " + closes.get() + " times, on " + threads);
    }

    @Override
    public String toString() {
        return what + "[closes=" + closes + ", threads=" + threads + "]";
    }
}
