package io.github.undertowstreaming.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultByteBufferPool;

/**
 * A {@link ByteBufferPool} that counts the buffers it has handed out and not yet had back: +1 per
 * {@link #allocate}, -1 on the first {@link PooledByteBuffer#close} of each (a second close does
 * not count). The array-backed pool it gives out counts into the same total. Every buffer out
 * remembers where it was taken, so that a leak names its owner.
 *
 * <p>The default delegate keeps no thread-local cache, so a buffer is either out or in the pool.
 */
public final class CountingPool implements ByteBufferPool {

    public static final int BUFFER_SIZE = 16 * 1024;

    private final ByteBufferPool delegate;
    private final AtomicLong outstanding;
    private final AtomicLong allocated;
    private final Map<Counted, Throwable> open;
    private volatile CountingPool arrayBacked;
    private volatile Runnable beforeAllocate = () -> { };

    public CountingPool() {
        this(new DefaultByteBufferPool(true, BUFFER_SIZE, -1, 0), new AtomicLong(), new AtomicLong(),
                new ConcurrentHashMap<>());
    }

    private CountingPool(ByteBufferPool delegate, AtomicLong outstanding, AtomicLong allocated,
            Map<Counted, Throwable> open) {
        this.delegate = delegate;
        this.outstanding = outstanding;
        this.allocated = allocated;
        this.open = open;
        if (delegate.getArrayBackedPool() == delegate) {
            arrayBacked = this;
        }
    }

    /**
     * Runs {@code hook} at the start of every {@link #allocate} of this pool (not of its
     * array-backed one), on the allocating thread: a test's way to make one allocation slow.
     */
    public void beforeAllocate(Runnable hook) {
        this.beforeAllocate = hook;
    }

    @Override
    public PooledByteBuffer allocate() {
        beforeAllocate.run();
        PooledByteBuffer p = delegate.allocate();
        Counted c = new Counted(p);
        outstanding.incrementAndGet();
        allocated.incrementAndGet();
        open.put(c, new Throwable("buffer taken on " + Thread.currentThread().getName()
                + (delegate.isDirect() ? " (direct)" : " (heap)")));
        return c;
    }

    @Override
    public ByteBufferPool getArrayBackedPool() {
        CountingPool a = arrayBacked;
        if (a == null) {
            synchronized (this) {
                a = arrayBacked;
                if (a == null) {
                    a = arrayBacked = new CountingPool(delegate.getArrayBackedPool(), outstanding, allocated, open);
                }
            }
        }
        return a;
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public int getBufferSize() {
        return delegate.getBufferSize();
    }

    @Override
    public boolean isDirect() {
        return delegate.isDirect();
    }

    /** Buffers handed out and not closed, this pool and its array-backed pool together. */
    public long outstanding() {
        return outstanding.get();
    }

    /** Buffers handed out since the start. */
    public long allocated() {
        return allocated.get();
    }

    /**
     * Waits until every buffer is back, polling, and fails at the deadline naming where each
     * buffer still out was taken.
     */
    public void assertAllBack(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (outstanding.get() != 0) {
            if (System.nanoTime() - end > 0) {
                fail(outstanding.get() + " pooled buffer(s) not back " + deadline.toMillis() + " ms after the client"
                        + " ended; taken at:\n" + describeOpen());
            }
            Waits.pause();
        }
    }

    /** Where each buffer still out was taken, as the {@link Throwable} made when it was. */
    public List<Throwable> openTraces() {
        return List.copyOf(open.values());
    }

    /** Where each buffer still out was taken: the top frames of Undertow and of the library. */
    public String describeOpen() {
        return open.values().stream().map(t -> t.getMessage() + "\n" + Arrays.stream(t.getStackTrace())
                        .skip(1)
                        .filter(f -> !f.getClassName().startsWith("java.") && !f.getClassName().startsWith("jdk."))
                        .limit(8)
                        .map(f -> "      at " + f)
                        .collect(Collectors.joining("\n")))
                .collect(Collectors.joining("\n"));
    }

    private final class Counted implements PooledByteBuffer {
        private final PooledByteBuffer pooled;
        private final AtomicBoolean closed = new AtomicBoolean();

        Counted(PooledByteBuffer pooled) {
            this.pooled = pooled;
        }

        @Override
        public ByteBuffer getBuffer() {
            return pooled.getBuffer();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                open.remove(this);
                outstanding.decrementAndGet();
                pooled.close();
            }
        }

        @Override
        public boolean isOpen() {
            return !closed.get() && pooled.isOpen();
        }

        @Override
        public String toString() {
            return "Counted[" + pooled + "]";
        }
    }
}
