package io.github.undertowstreaming.it.support;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.undertowstreaming.StreamingBody;

/**
 * A {@link StreamingBody} of pattern bytes (byte {@code i} is {@code i % 251}, as
 * {@code demo.Pattern}) that records what the pump does with it and can misbehave on purpose.
 *
 * <ul>
 *   <li>{@link #size}: bytes it produces, -1 for endless; {@link #maxRead}: at most this many a read.</li>
 *   <li>{@link #slowAfter}: once {@code n} bytes were read, every read first blocks for a while, as
 *       a slow source does (but the one that finds the end); {@link #close} or {@link #release}
 *       ends the block early (the read then fails, as a closed stream's does).</li>
 *   <li>{@link #slowFirstRead}: the first read blocks for a while, as a source that opens slowly.</li>
 *   <li>{@link #failAt}: the read at byte {@code f} throws {@link IOException} (after blocking, if slow).</li>
 *   <li>{@link #length}: {@code KNOWN} reports {@link #reportedLength} (the size unless set),
 *       {@code UNKNOWN} -1, {@code LEARNED_ON_FIRST_READ} -1 until a read happened.</li>
 * </ul>
 * One instance serves one request.
 */
public final class TestBody implements StreamingBody {

    /** What {@link #length()} reports. */
    public enum Length { KNOWN, UNKNOWN, LEARNED_ON_FIRST_READ }

    private static final int PERIOD = 251;

    private final CloseRecorder closes;
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger readsAfterClose = new AtomicInteger();
    private long size = 1000;
    private int maxRead = Integer.MAX_VALUE;
    private long slowAfter = -1;
    private Duration readDelay = Duration.ZERO;
    private Duration firstReadDelay = Duration.ZERO;
    private long failAt = -1;
    private Length length = Length.KNOWN;
    private long reportedLength = Long.MIN_VALUE;
    private boolean deaf;
    private volatile long position;
    private volatile boolean opened;
    private volatile long lastReadStartNanos;


    public TestBody(String name) {
        this.closes = new CloseRecorder(name);
    }

    // ---- configuration, before the body is sent ----

    public TestBody size(long bytes) {
        this.size = bytes;
        return this;
    }

    public TestBody maxRead(int bytes) {
        this.maxRead = bytes;
        return this;
    }

    /** Every read once {@code bytes} were read blocks for {@code delay} first. */
    public TestBody slowAfter(long bytes, Duration delay) {
        this.slowAfter = bytes;
        this.readDelay = delay;
        return this;
    }

    /** The first read blocks for {@code delay} first; the others are fast (unless {@link #slowAfter}). */
    /**
     * Its slow reads ignore interrupts and {@code cancel()}: they sleep their whole delay, clear
     * the interrupt, and return data, as a source that swallows {@code InterruptedException} does.
     */
    public TestBody deafToInterrupts() {
        this.deaf = true;
        return this;
    }

    public TestBody slowFirstRead(Duration delay) {
        this.firstReadDelay = delay;
        return this;
    }

    public TestBody failAt(long bytes) {
        this.failAt = bytes;
        return this;
    }

    public TestBody length(Length mode) {
        this.length = mode;
        return this;
    }

    /** The length reported when known, if not the size: a body that lies about its length. */
    public TestBody reportedLength(long bytes) {
        this.reportedLength = bytes;
        return this;
    }

    // ---- the body ----

    @Override
    public int read(ByteBuffer dst) throws IOException {
        reads.incrementAndGet();
        lastReadStartNanos = System.nanoTime();
        if (closes.isClosed()) {
            readsAfterClose.incrementAndGet();
            throw new IOException("TestBody: read after close");
        }
        opened = true;
        long pos = position;
        boolean atEnd = size >= 0 && pos >= size;
        Duration delay = pos == 0 && !firstReadDelay.isZero() ? firstReadDelay
                : slowAfter >= 0 && pos >= slowAfter && !atEnd ? readDelay : Duration.ZERO;
        if (!delay.isZero() && deaf) {
            long until = System.nanoTime() + delay.toNanos();
            for (long left; (left = until - System.nanoTime()) > 0; ) {
                java.util.concurrent.locks.LockSupport.parkNanos(left); // sleeping is the point: a source that ignores the interrupt
            }
            Thread.interrupted();
        } else if (!delay.isZero()) {
            try {
                if (release.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
                    throw new IOException("TestBody: closed or released while a read was blocked");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("TestBody: interrupted in a slow read");
            }
        }
        if (failAt >= 0 && pos >= failAt) {
            throw new IOException("TestBody: the source failed at byte " + failAt);
        }
        long left = size < 0 ? Long.MAX_VALUE : size - pos;
        if (failAt >= 0) {
            left = Math.min(left, failAt - pos);
        }
        if (left <= 0) {
            return -1;
        }
        int n = (int) Math.min(Math.min(dst.remaining(), maxRead), left);
        for (int i = 0; i < n; i++) {
            dst.put((byte) ((pos + i) % PERIOD));
        }
        position = pos + n;
        return n;
    }

    @Override
    public long length() {
        long known = reportedLength != Long.MIN_VALUE ? reportedLength : size;
        switch (length) {
            case KNOWN:
                return known;
            case LEARNED_ON_FIRST_READ:
                return opened ? known : -1;
            default:
                return -1;
        }
    }

    @Override
    public void close() {
        closes.record();
        release.countDown();
    }

    /** Ends any blocked read now (the read fails); for the end of a test. */
    public void release() {
        release.countDown();
    }

    // ---- what happened ----

    public CloseRecorder closes() {
        return closes;
    }

    public int reads() {
        return reads.get();
    }

    public int readsAfterClose() {
        return readsAfterClose.get();
    }

    public boolean opened() {
        return opened;
    }

    /** Bytes produced so far. */
    public long position() {
        return position;
    }

    public long lastReadStartNanos() {
        return lastReadStartNanos;
    }

    /** Closed exactly once, never on an IO thread, and never read after its close. */
    public void assertClosedOnceNotOnIoThread(Duration deadline) {
        closes.assertClosedOnceNotOnIoThread(deadline);
        assertNoReadAfterClose();
    }

    public void assertNoReadAfterClose() {
        if (readsAfterClose.get() != 0) {
            throw new AssertionError(closes + " was read " + readsAfterClose + " time(s) after its close");
        }
    }

    @Override
    public String toString() {
        return "TestBody[" + closes + ", reads=" + reads + ", position=" + position + "]";
    }
}
