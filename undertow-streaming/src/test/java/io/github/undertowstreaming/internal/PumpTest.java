package io.github.undertowstreaming.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.StreamingOptions;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultByteBufferPool;

/**
 * The pump against a sink that takes a few bytes per write and then returns 0, with real threads:
 * a two-thread "worker" pool for reads and a one-thread "IO thread" for writability events.
 */
class PumpTest {

    private static final int BUFFER = 64;

    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private final ExecutorService io = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopThreads() throws InterruptedException {
        workers.shutdownNow();
        io.shutdownNow();
        assertTrue(workers.awaitTermination(5, TimeUnit.SECONDS));
    }

    /**
     * A failure from elsewhere (a read timeout whose interrupt the body swallowed, a client gone)
     * while the reader is in {@code sink.begin}, which takes the response channel: the failure is
     * reported once begin has returned, never while it runs, and the stream writes nothing.
     */
    @Test
    void aFailureWhileTheSinkBeginsIsReportedOnlyOnceBeginHasReturned() throws Exception {
        CountingBody body = new CountingBody(4, 16);
        TestSink sink = new TestSink(16);
        sink.holdBegin = true;
        Pump pump = new Pump(body, sink, workers, 16, 0, 4096);
        sink.pump = pump;
        pump.start();
        assertTrue(sink.beginEntered.await(10, TimeUnit.SECONDS));
        pump.fail(Pump.Failure.TIMEOUT, new IOException("read timed out"));
        assertEquals(0, sink.failures.get(), "reported while begin ran");
        sink.beginRelease.countDown();
        sink.failed.get(10, TimeUnit.SECONDS);
        assertEquals(1, sink.failures.get());
        assertEquals(false, sink.failedDuringBegin);
        assertEquals(0, sink.received.get(), "bytes written after the failure");
        body.awaitClosed();
        assertEquals(1, body.closes.get());
    }

    @Test
    void stackDepthStaysFlatOverOneHundredThousandChunks() throws Exception {
        int chunks = 100_000;
        CountingBody body = new CountingBody(chunks, 16);
        TestSink sink = new TestSink(5);
        Pump pump = new Pump(body, sink, workers, 16, 1, 4096);
        sink.pump = pump;
        pump.start();

        assertNull(sink.done.get(60, TimeUnit.SECONDS));
        assertEquals(chunks * 16L, sink.received.get());
        assertEquals(body.expectedSum, sink.sum.get());
        assertEquals(body.minDepth.get(), body.maxDepth.get(),
                "the read stack grew: the pump recursed somewhere between chunks");
        assertTrue(sink.fullWrites.get() > chunks, "the sink was full at least once per chunk");
        body.awaitClosed(); // after the last write, so that a slow close() delays no byte
        assertEquals(1, body.closes.get());
    }

    @Test
    void theDefaultChunkSpansSeveralPooledBuffers() throws Exception {
        CountingBody body = new CountingBody(4_000, BUFFER);
        TestSink sink = new TestSink(7);
        Pump pump = new Pump(body, sink, workers, 0, 1, 1 << 20);
        sink.pump = pump;
        pump.start();

        assertNull(sink.done.get(60, TimeUnit.SECONDS));
        assertEquals(4_000L * BUFFER, sink.received.get());
        assertEquals(body.expectedSum, sink.sum.get());
        assertEquals(2 * StreamingOptions.DEFAULT_CHUNK_BUFFERS, sink.maxOutstanding.get(),
                "two chunks of the default number of buffers with read-ahead 1");
        awaitZero(sink.outstanding, "buffers still held after the stream ended");
    }

    @Test
    void memoryStaysWithinOnePlusReadAheadChunks() throws Exception {
        for (int readAhead : new int[] {0, 1, 3}) {
            CountingBody body = new CountingBody(2_000, BUFFER);
            TestSink sink = new TestSink(7);
            Pump pump = new Pump(body, sink, workers, BUFFER, readAhead, 1 << 20); // one buffer a chunk
            sink.pump = pump;
            pump.start();

            assertNull(sink.done.get(60, TimeUnit.SECONDS));
            assertEquals(2_000L * BUFFER, sink.received.get());
            assertTrue(sink.maxOutstanding.get() <= 1 + readAhead,
                    "read-ahead " + readAhead + " held " + sink.maxOutstanding.get() + " buffers");
            awaitZero(sink.outstanding, "buffers still held after the stream ended");
            body.awaitClosed();
            assertEquals(1, body.closes.get());
        }
    }

    /**
     * A client that stopped in the second half of a chunk: once the watch calls the stream
     * stalled, the chunk's first buffer, written out, goes back to the pool and the second, which
     * holds the unsent bytes, stays; when the client takes bytes again the rest arrives byte-exact
     * and the next chunks take pooled buffers again.
     */
    @Test
    void aStalledStreamKeepsOnlyTheBuffersThatHoldUnsentBytes() throws Exception {
        CountingBody body = new CountingBody(1_000, BUFFER);
        TestSink sink = new TestSink(50); // 50 bytes a write
        sink.stallAfter = 10L * BUFFER + 70; // in the sixth chunk, [640, 768), past its first buffer
        Pump pump = new Pump(body, sink, workers, 0, 0, 1 << 20); // the default chunk: two buffers
        sink.pump = pump;
        pump.start();
        assertTrue(sink.stalled.await(10, TimeUnit.SECONDS), "the sink never filled");
        long since = pump.waitingSince();
        assertTrue(since != -1, pump::toString);
        long received = sink.received.get();
        assertTrue(received > 11L * BUFFER && received < 12L * BUFFER, "stalled in the sixth chunk's second buffer: " + received);
        assertEquals(2, sink.outstanding.get(), "the chunk's two pooled buffers, before");

        // the reader ends its turn just after the writer armed: compaction waits for that
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (sink.outstanding.get() != 1 && System.nanoTime() < deadline) {
            pump.compact(since);
            Thread.onSpinWait();
        }
        assertEquals(1, sink.outstanding.get(), "the buffer with the unsent bytes, after; " + pump);
        assertEquals(BUFFER, Statistics.GLOBAL.bytesHeldWaiting(), "what the waiting stream holds");
        pump.compact(since);
        assertEquals(1, sink.outstanding.get(), "a second compaction changes nothing");

        sink.stallAfter = Long.MAX_VALUE;
        io.execute(pump::onWritable);
        assertNull(sink.done.get(60, TimeUnit.SECONDS));
        assertEquals(1_000L * BUFFER, sink.received.get());
        assertEquals(body.expectedSum, sink.sum.get());
        awaitZero(sink.outstanding, "buffers still held after the stream ended");
        body.awaitClosed();
        assertEquals(1, body.closes.get());
    }

    @Test
    void aChunkLargerThanAPooledBufferSpansSeveralAndIsWrittenInOneGatheringWrite() throws Exception {
        int chunk = 3 * BUFFER + 5; // four pooled buffers, the last one partly
        for (int readAhead : new int[] {0, 2}) {
            CountingBody body = new CountingBody(2_000, BUFFER); // 2,000 reads; the sink checks every byte
            TestSink sink = new TestSink(Integer.MAX_VALUE);
            Pump pump = new Pump(body, sink, workers, chunk, readAhead, 1 << 20);
            sink.pump = pump;
            pump.start();

            assertNull(sink.done.get(60, TimeUnit.SECONDS));
            assertEquals(body.produced(), sink.received.get());
            assertEquals(2_000 / 4 * (long) chunk, sink.received.get(), "four reads fill a chunk: 64 + 64 + 64 + 5");
            assertTrue(sink.maxOutstanding.get() <= (1 + readAhead) * 4,
                    "read-ahead " + readAhead + " held " + sink.maxOutstanding.get() + " buffers");
            assertEquals(2_000 / 4, sink.writes.get(), "one gathering write per chunk");
            awaitZero(sink.outstanding, "buffers still held after the stream ended");
            body.awaitClosed();
            assertEquals(1, body.closes.get());
        }
    }

    @Test
    void aSlowSourceIsWrittenAsSoonAsAReadComesBackShort() throws Exception {
        CountingBody body = new CountingBody(50, 10); // 10 bytes a read: never fills a buffer
        TestSink sink = new TestSink(Integer.MAX_VALUE);
        Pump pump = new Pump(body, sink, workers, 4 * BUFFER, 0, 1 << 20);
        sink.pump = pump;
        pump.start();

        assertNull(sink.done.get(60, TimeUnit.SECONDS));
        assertEquals(500, sink.received.get());
        assertEquals(50, sink.writes.get(), "one write per short read");
    }

    @Test
    void readAheadFillsTheRingWhileTheSinkIsFull() throws Exception {
        CountingBody body = new CountingBody(200, BUFFER);
        TestSink sink = new TestSink(1); // one byte a write: the sink is always the bottleneck
        Pump pump = new Pump(body, sink, workers, BUFFER, 3, 1 << 20); // one buffer a chunk
        sink.pump = pump;
        pump.start();

        assertNull(sink.done.get(60, TimeUnit.SECONDS));
        assertEquals(4, sink.maxOutstanding.get(), "read-ahead 3 should have used all four buffers");
    }

    @Test
    void theBodyIsClosedExactlyOnceWhenAReadFails() throws Exception {
        CountingBody body = new CountingBody(1_000, BUFFER);
        body.failAt = 10;
        TestSink sink = new TestSink(7);
        Pump pump = new Pump(body, sink, workers, 0, 1, 1 << 20);
        sink.pump = pump;
        pump.start();

        Throwable cause = sink.failed.get(10, TimeUnit.SECONDS);
        assertEquals("read 10 failed", cause.getMessage());
        assertEquals(Pump.Failure.BODY, sink.failure.get());
        body.awaitClosed();
        awaitZero(sink.outstanding, "buffers still held after the failure");
        body.awaitClosed();
        assertEquals(1, body.closes.get());
        assertEquals(10, body.reads.get() - 1, "no read after the failing one");
        assertEquals(1, sink.failures.get());
    }

    @Test
    void theBodyIsClosedExactlyOnceWhenTheClientGoesAway() throws Exception {
        CountingBody body = new CountingBody(Integer.MAX_VALUE, BUFFER);
        TestSink sink = new TestSink(7);
        sink.failAfter = 10_000;
        Pump pump = new Pump(body, sink, workers, 0, 2, 1 << 20);
        sink.pump = pump;
        pump.start();

        assertInstanceOf(IOException.class, sink.failed.get(10, TimeUnit.SECONDS));
        assertEquals(Pump.Failure.CLIENT, sink.failure.get());
        body.awaitClosed();
        int readsAtClose = body.readsAtClose.get();
        awaitZero(sink.outstanding, "buffers still held after the client went away");
        assertEquals(readsAtClose, body.reads.get(), "read after close");
        body.awaitClosed();
        assertEquals(1, body.closes.get());
        assertEquals(1, sink.failures.get());
    }

    @Test
    void aFailureFromOutsideWhileWaitingForTheSocketClosesTheBody() throws Exception {
        CountingBody body = new CountingBody(Integer.MAX_VALUE, BUFFER);
        TestSink sink = new TestSink(7);
        sink.stallAfter = 1_000; // then never writable again, like a client that stopped reading
        Pump pump = new Pump(body, sink, workers, 0, 0, 1 << 20);
        sink.pump = pump;
        pump.start();

        assertTrue(sink.stalled.await(10, TimeUnit.SECONDS));
        pump.fail(Pump.Failure.CLIENT, new IOException("connection closed"));

        body.awaitClosed();
        awaitZero(sink.outstanding, "buffers still held");
        body.awaitClosed();
        assertEquals(1, body.closes.get());
        assertEquals(1, sink.failures.get());
        pump.fail(Pump.Failure.BODY, new IOException("late"));
        assertEquals(1, sink.failures.get(), "a second failure is not reported");
    }

    @Test
    void anExecutorThatRejectsGetsTheStreamFailedAndTheBodyClosed() throws Exception {
        CountingBody body = new CountingBody(10, BUFFER);
        TestSink sink = new TestSink(7);
        Pump pump = new Pump(body, sink, task -> {
            throw new RejectedExecutionException("full");
        }, 0, 0, 1 << 20);
        sink.pump = pump;
        pump.start();

        assertInstanceOf(RejectedExecutionException.class, sink.failed.get(1, TimeUnit.SECONDS));
        assertEquals(Pump.Failure.REJECTED, sink.failure.get());
        assertEquals(0, body.reads.get());
        body.awaitClosed();
        assertEquals(1, body.closes.get());
    }

    @Test
    void aBodyShorterThanItsLengthFails() throws Exception {
        CountingBody body = new CountingBody(3, BUFFER);
        body.length = 4L * BUFFER;
        TestSink sink = new TestSink(1000);
        Pump pump = new Pump(body, sink, workers, 0, 0, 1 << 20);
        sink.pump = pump;
        pump.start();

        Throwable cause = sink.failed.get(10, TimeUnit.SECONDS);
        assertTrue(cause.getMessage().contains("ended after 192 bytes, short of the promised length of 256"), cause.getMessage());
        assertEquals(Pump.Failure.BODY, sink.failure.get());
        body.awaitClosed();
        assertEquals(1, body.closes.get());
    }

    @Test
    void aFastStreamYieldsItsThreadAfterEachReadBudget() throws Exception {
        AtomicInteger submissions = new AtomicInteger();
        CountingBody body = new CountingBody(1_000, BUFFER);
        TestSink sink = new TestSink(Integer.MAX_VALUE);
        Pump pump = new Pump(body, sink, task -> {
            submissions.incrementAndGet();
            workers.execute(task);
        }, BUFFER, 0, 10L * BUFFER);
        sink.pump = pump;
        pump.start();

        assertNull(sink.done.get(10, TimeUnit.SECONDS));
        assertEquals(0, sink.fullWrites.get());
        assertEquals(1 + 100, submissions.get(), "the start, then one turn per 10 chunks");
    }

    /**
     * The read timeout measures a call into the body from its own start: while the reader is
     * between calls (its thread published for a failure to interrupt), the watch must never see
     * the start of the call before. The reader is held between them at the one call into a
     * collaborator there, the sink's allocate of the ring's second buffer, on the second read.
     */
    @Test
    void aReadIsTimedFromItsOwnStartNotFromTheReadBeforeIt() throws Exception {
        CountingBody body = new CountingBody(10, BUFFER);
        TestSink sink = new TestSink(Integer.MAX_VALUE);
        sink.holdAllocation = 2;
        Pump pump = new Pump(body, sink, workers, BUFFER, 1, 1 << 20); // one buffer a chunk, two chunks
        sink.pump = pump;
        pump.start();

        assertTrue(sink.allocationHeld.await(10, TimeUnit.SECONDS), "the second read never took its buffer");
        long since;
        try {
            since = pump.readingSince();
        } finally {
            sink.allocationRelease.countDown();
        }
        long firstReturned = body.lastReturned;
        assertTrue(since == -1 || since - firstReturned >= 0, () -> "the watch times the read under way from "
                + (firstReturned - since) + " ns before the read before it returned");
        assertNull(sink.done.get(10, TimeUnit.SECONDS));
        assertEquals(10L * BUFFER, sink.received.get());
    }

    /**
     * The final flush belongs to the stream: while it waits for the sink, the writer is armed (so
     * the write timeout watches it) and the stream is neither finished nor counted; a timeout then
     * fails it as a timeout, closes the body once and gives every buffer back.
     */
    @Test
    void theFinalFlushIsWatchedByTheWriteTimeoutAndNotCountedFinished() throws Exception {
        CountingBody body = new CountingBody(10, BUFFER);
        TestSink sink = new TestSink(Integer.MAX_VALUE);
        sink.holdFinalFlush = true;
        Statistics stats = new Statistics();
        Pump pump = new Pump(body, sink, workers, null, BUFFER, 0, 1 << 20, stats, 0);
        sink.pump = pump;
        pump.start();

        assertTrue(sink.finalFlushArmed.await(10, TimeUnit.SECONDS), "the final flush never waited");
        assertEquals(10L * BUFFER, sink.received.get());
        assertTrue(pump.waitingSince() != -1, "the writer waits for the sink: the write timeout applies");
        assertFalse(pump.isFinished());
        assertEquals(0, stats.finished());
        assertEquals(1, stats.inFlight());
        body.awaitClosed(); // after the last write, not after the final flush
        awaitZero(sink.outstanding, "ring buffers still held while only the final flush waits");

        pump.fail(Pump.Failure.TIMEOUT, Messages.MESSAGES.writeTimedOut(500));
        assertInstanceOf(org.xnio.channels.WriteTimeoutException.class, sink.failed.get(10, TimeUnit.SECONDS));
        assertEquals(Pump.Failure.TIMEOUT, sink.failure.get());
        assertEquals(1, stats.timeouts());
        assertEquals(0, stats.finished());
        assertEquals(0, stats.inFlight());
        assertFalse(sink.done.isDone(), "a failed stream is not completed");
        assertEquals(1, body.closes.get());
        assertEquals(1, sink.shutdowns.get());
    }

    @Test
    void aStreamIsCountedFinishedOnceItsFinalFlushCompletes() throws Exception {
        CountingBody body = new CountingBody(10, BUFFER);
        TestSink sink = new TestSink(Integer.MAX_VALUE);
        sink.holdFinalFlush = true;
        Statistics stats = new Statistics();
        Pump pump = new Pump(body, sink, workers, null, BUFFER, 0, 1 << 20, stats, 0);
        sink.pump = pump;
        pump.start();

        assertTrue(sink.finalFlushArmed.await(10, TimeUnit.SECONDS), "the final flush never waited");
        assertEquals(0, stats.finished());
        sink.holdFinalFlush = false;
        io.execute(pump::onWritable); // the sink has room again

        assertNull(sink.done.get(10, TimeUnit.SECONDS));
        assertTrue(pump.isFinished());
        assertEquals(1, stats.finished());
        assertEquals(0, stats.timeouts() + stats.clientFailures() + stats.writeFailures() + stats.bodyFailures());
        assertEquals(0, stats.inFlight());
        assertEquals(1, sink.shutdowns.get(), "writes are shut down once, however many flushes it takes");
        assertEquals(0, sink.failures.get());
    }

    private static void awaitZero(AtomicInteger value, String message) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (value.get() != 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(message + ": " + value.get());
            }
            Thread.onSpinWait();
        }
    }

    /** {@code chunks} reads of {@code size} bytes each; byte i of the body is i % 251. */
    private static final class CountingBody implements StreamingBody {
        final int chunks;
        final int size;
        final long expectedSum;
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger readsAtClose = new AtomicInteger(-1);
        final AtomicInteger minDepth = new AtomicInteger(Integer.MAX_VALUE);
        final AtomicInteger maxDepth = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);
        volatile int failAt = -1;
        volatile long length = -1;
        /** When the last read returned ({@code System.nanoTime()}). */
        volatile long lastReturned;
        private long offset;

        CountingBody(int chunks, int size) {
            this.chunks = chunks;
            this.size = size;
            long sum = 0;
            long total = (long) chunks * size;
            if (chunks != Integer.MAX_VALUE) {
                for (long i = 0; i < total; i++) {
                    sum += i % 251;
                }
            }
            this.expectedSum = sum;
        }

        @Override
        public synchronized int read(ByteBuffer dst) throws IOException {
            int r = reads.getAndIncrement();
            int depth = StackWalker.getInstance().walk(s -> (int) s.count());
            minDepth.accumulateAndGet(depth, Math::min);
            maxDepth.accumulateAndGet(depth, Math::max);
            if (closes.get() > 0) {
                throw new AssertionError("read after close");
            }
            if (r == failAt) {
                throw new IOException("read " + r + " failed");
            }
            if (r >= chunks) {
                return -1;
            }
            int n = Math.min(size, dst.remaining());
            for (int i = 0; i < n; i++) {
                dst.put((byte) (offset++ % 251));
            }
            lastReturned = System.nanoTime();
            return n;
        }

        @Override
        public long length() {
            return length;
        }

        synchronized long produced() {
            return offset;
        }

        @Override
        public void close() {
            readsAtClose.set(reads.get());
            closes.incrementAndGet();
            closed.countDown();
        }

        void awaitClosed() throws InterruptedException {
            assertTrue(closed.await(10, TimeUnit.SECONDS), "the body was not closed");
        }
    }

    /** Takes at most {@code perWrite} bytes a write, then 0 on the next write; writable again on the IO thread. */
    private final class TestSink implements Sink {
        final int perWrite;
        final DefaultByteBufferPool pool = new DefaultByteBufferPool(false, BUFFER, 8, 0);
        final AtomicInteger outstanding = new AtomicInteger();
        final AtomicInteger maxOutstanding = new AtomicInteger();
        final AtomicLong received = new AtomicLong();
        final AtomicLong sum = new AtomicLong();
        final AtomicInteger fullWrites = new AtomicInteger();
        final AtomicLong writes = new AtomicLong();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger shutdowns = new AtomicInteger();
        /** Once writes are shut down, flush returns false and notifyWhenWritable only counts down {@link #finalFlushArmed}. */
        volatile boolean holdFinalFlush;
        final CountDownLatch finalFlushArmed = new CountDownLatch(1);
        final AtomicReference<Pump.Failure> failure = new AtomicReference<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final CompletableFuture<Throwable> failed = new CompletableFuture<>();
        final CountDownLatch stalled = new CountDownLatch(1);
        /** The allocation (1 for the first) that waits for {@link #allocationRelease}; 0 for none. */
        volatile int holdAllocation;
        final CountDownLatch allocationHeld = new CountDownLatch(1);
        final CountDownLatch allocationRelease = new CountDownLatch(1);
        final AtomicInteger allocations = new AtomicInteger();
        volatile long failAfter = Long.MAX_VALUE;
        volatile long stallAfter = Long.MAX_VALUE;
        volatile Pump pump;
        private boolean full;
        private long position;

        TestSink(int perWrite) {
            this.perWrite = perWrite;
        }

        @Override
        public int bufferSize() {
            return BUFFER;
        }

        @Override
        public PooledByteBuffer allocate() {
            if (allocations.incrementAndGet() == holdAllocation) {
                allocationHeld.countDown();
                try {
                    assertTrue(allocationRelease.await(10, TimeUnit.SECONDS), "the allocation was never released");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
            PooledByteBuffer delegate = pool.allocate();
            maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
            return new PooledByteBuffer() {
                private boolean open = true;

                @Override
                public ByteBuffer getBuffer() {
                    return delegate.getBuffer();
                }

                @Override
                public void close() {
                    if (open) {
                        open = false;
                        outstanding.decrementAndGet();
                        delegate.close();
                    }
                }

                @Override
                public boolean isOpen() {
                    return open;
                }
            };
        }

        @Override
        public boolean bodyAllowed() {
            return true;
        }

        @Override
        public boolean headRequest() {
            return false;
        }

        @Override
        public long declaredLength() {
            return -1;
        }

        @Override
        public Pump.Failure classify(Throwable writeFailure) {
            return writeFailure instanceof IOException ? Pump.Failure.CLIENT : Pump.Failure.WRITE;
        }

        /** When set, begin counts {@link #beginEntered} down and waits for {@link #beginRelease}. */
        volatile boolean holdBegin;
        final CountDownLatch beginEntered = new CountDownLatch(1);
        final CountDownLatch beginRelease = new CountDownLatch(1);
        volatile boolean inBegin;
        /** Whether {@link #fail} was ever called while {@link #begin} ran. */
        volatile boolean failedDuringBegin;

        @Override
        public void begin(long length) {
            inBegin = true;
            try {
                if (holdBegin) {
                    beginEntered.countDown();
                    try {
                        beginRelease.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            } finally {
                inBegin = false;
            }
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (received.get() >= failAfter) {
                throw new IOException("Broken pipe");
            }
            if (full || received.get() >= stallAfter) {
                full = false;
                fullWrites.incrementAndGet();
                return 0;
            }
            writes.incrementAndGet();
            long n = 0;
            for (int i = offset; i < offset + length && n < perWrite; i++) {
                ByteBuffer src = srcs[i];
                while (src.hasRemaining() && n < perWrite) {
                    byte b = src.get();
                    if (b != (byte) (position % 251)) {
                        throw new AssertionError("byte " + position + " is " + b);
                    }
                    sum.addAndGet(b & 0xff);
                    position++;
                    n++;
                }
            }
            received.addAndGet(n);
            full = srcs[offset + length - 1].hasRemaining() || perWrite < Integer.MAX_VALUE;
            return n;
        }

        @Override
        public boolean flush() {
            return !(holdFinalFlush && shutdowns.get() > 0);
        }

        @Override
        public boolean writesOnIoThreadOnly() {
            return false;
        }

        @Override
        public boolean onIoThread(Runnable task) {
            io.execute(task);
            return true;
        }

        @Override
        public void notifyWhenWritable() {
            if (holdFinalFlush && shutdowns.get() > 0) {
                finalFlushArmed.countDown();
                return;
            }
            if (received.get() >= stallAfter) {
                stalled.countDown();
                return;
            }
            io.execute(pump::onWritable);
        }

        @Override
        public void shutdownWrites() {
            shutdowns.incrementAndGet();
        }

        @Override
        public void complete() {
            done.complete(null);
        }

        @Override
        public void fail(Pump.Failure kind, Throwable cause, long sent) {
            failedDuringBegin |= inBegin;
            failures.incrementAndGet();
            failure.set(kind);
            failed.complete(cause);
        }
    }
}
