package io.github.undertowstreaming.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling with a deadline: the only way the edge tests wait for a condition. */
public final class Waits {

    private Waits() {
    }

    /** One polling step: a millisecond, so that a 2-core machine is not spun hot. */
    public static void pause() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }

    /** Polls {@code condition} until it holds; fails with {@code message} at the deadline. */
    public static void await(BooleanSupplier condition, Duration deadline, Supplier<String> message) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail(message.get() + " (waited " + deadline.toMillis() + " ms)");
            }
            pause();
        }
    }

    /**
     * As {@link #await(BooleanSupplier, Duration, Supplier)}, polling once {@code every} so long:
     * for a condition that costs a request to a server (a management API) each time.
     */
    public static void await(BooleanSupplier condition, Duration deadline, Duration every, Supplier<String> message) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail(message.get() + " (waited " + deadline.toMillis() + " ms)");
            }
            LockSupport.parkNanos(every.toNanos());
        }
    }

    /** Polls {@code condition} until it holds or the deadline passes; returns whether it held. */
    public static boolean poll(BooleanSupplier condition, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            pause();
        }
        return true;
    }

    /** What is left until {@code deadlineNanos} (a {@link System#nanoTime} value), at least zero. */
    public static Duration until(long deadlineNanos) {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    public static String seconds(long nanos) {
        return String.format("%.3f s", nanos / 1e9);
    }
}
