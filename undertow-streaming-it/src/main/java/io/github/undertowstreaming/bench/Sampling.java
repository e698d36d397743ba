package io.github.undertowstreaming.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Takes a sample every few milliseconds on a daemon thread of its own, from {@link #start} (which
 * takes the first) to {@link #finish} (which takes the last). {@link #sample} runs on that thread,
 * and on the caller's in {@code start} and {@code finish}: what it keeps must be safe to read from
 * another thread (volatile peaks, say).
 */
abstract class Sampling implements Runnable {

    private final long periodNanos;
    private final Thread thread;
    private volatile boolean stopped;

    Sampling(String threadName, long periodMillis) {
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(periodMillis);
        this.thread = new Thread(this, threadName);
        thread.setDaemon(true);
    }

    /** Takes one sample. */
    abstract void sample();

    final void start() {
        sample();
        thread.start();
    }

    @Override
    public final void run() {
        while (!stopped) {
            LockSupport.parkNanos(periodNanos); // sampling period, not a wait for an event
            sample();
        }
    }

    /** Stops sampling and takes a last sample. */
    final void finish() throws InterruptedException {
        stopped = true;
        thread.join(TimeUnit.SECONDS.toMillis(10));
        sample();
    }
}
