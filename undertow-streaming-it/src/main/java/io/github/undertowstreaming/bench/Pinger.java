package io.github.undertowstreaming.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * Sends {@code GET /ping} every {@code interval} on one keep-alive connection, on its own thread,
 * and records each latency (send to last byte). A ping slower than the interval delays the next
 * one, so latencies are recorded with HdrHistogram's coordinated-omission correction: the
 * percentiles are those a ping every interval would have seen. {@link #stop} ends it; a ping
 * still unanswered then is recorded with the time it had waited, and counted as unanswered.
 */
final class Pinger implements Runnable {

    private final KeepAliveClient client;
    private final long intervalNanos;
    private final Histogram micros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    private final Thread thread;
    private volatile boolean stopped;
    private volatile long pendingSince;
    private int answered;
    private int unanswered;
    private String failure;

    Pinger(int port, long intervalMillis) throws IOException {
        this.client = new KeepAliveClient(port, (int) TimeUnit.MINUTES.toMillis(10));
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.thread = new Thread(this, "bench-pinger");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The ping loop; runs on the pinger's own thread. */
    @Override
    public void run() {
        long next = System.nanoTime();
        while (!stopped) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing: one ping per interval
                continue;
            }
            long t0 = System.nanoTime();
            pendingSince = t0;
            try {
                int status = client.get("/ping");
                if (status != 200) {
                    throw new IOException("/ping answered " + status);
                }
            } catch (IOException e) {
                if (!stopped) {
                    failure = e.toString();
                }
                return;
            } finally {
                pendingSince = 0;
            }
            record(System.nanoTime() - t0);
            answered++;
            next = Math.max(next + intervalNanos, t0 + intervalNanos);
        }
    }

    private synchronized void record(long nanos) {
        micros.recordValueWithExpectedInterval(Math.min(micros.getHighestTrackableValue(),
                TimeUnit.NANOSECONDS.toMicros(nanos)), TimeUnit.NANOSECONDS.toMicros(intervalNanos));
    }

    /** Stops pinging; returns what was seen. Called once, from the thread that started it. */
    Result stop() throws InterruptedException {
        stopped = true;
        long pending = pendingSince;
        if (pending != 0) {
            unanswered++;
            record(System.nanoTime() - pending);
        }
        try {
            client.close();
        } catch (IOException e) {
            // closing only aborts a ping under way
        }
        thread.join(TimeUnit.SECONDS.toMillis(10));
        synchronized (this) {
            return new Result(answered, unanswered, micros.getValueAtPercentile(50) / 1000.0,
                    micros.getValueAtPercentile(99) / 1000.0, micros.getMaxValue() / 1000.0, failure);
        }
    }

    /** Latencies in milliseconds. */
    static final class Result {
        final int answered;
        final int unanswered;
        final double p50;
        final double p99;
        final double max;
        final String failure;

        Result(int answered, int unanswered, double p50, double p99, double max, String failure) {
            this.answered = answered;
            this.unanswered = unanswered;
            this.p50 = p50;
            this.p99 = p99;
            this.max = max;
            this.failure = failure;
        }
    }
}
