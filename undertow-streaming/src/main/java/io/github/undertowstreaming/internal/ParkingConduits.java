package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.xnio.Buffers;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.Option;
import org.xnio.Options;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.StreamSourceConduit;

import io.undertow.UndertowOptions;
import io.undertow.server.ConduitWrapper;
import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import io.undertow.util.ConduitFactory;

/**
 * The response and request conduit wrappers of transparent mode, on HTTP/1.x (plain and TLS) and
 * HTTP/2 exchanges: their {@code awaitWritable} and {@code awaitReadable} park the waiting thread
 * ({@link Parking}) instead of selecting or waiting on a monitor, with the listener's read, write
 * and idle timeouts kept; a change of interest asked for off the IO thread is made on it.
 *
 * <p>HTTP/2 writes also run on the IO thread: the writing thread hands its buffers over and parks
 * until they are taken ({@link OnIoThread}). A worker's write into Undertow's stream channel
 * ({@code AbstractFramedStreamSinkChannel.write}, which takes a pooled write buffer outside the
 * channel's lock) races with the IO thread closing the channel on the client's RST_STREAM
 * ({@code close} and {@code markBroken} free that buffer): the buffer taken after the free is never
 * returned. {@code KnownProblemsReproTest} shows the loss with {@code BlockingHandler}.
 *
 * <p>Other connections (AJP) are not wrapped: their waits stay XNIO's own ({@link #addTo} says so).
 */
public final class ParkingConduits {

    private static final Parking.Direction<ConduitStreamSinkChannel> WRITES = new Parking.Direction<>() {
        @Override
        public ChannelListener<? super ConduitStreamSinkChannel> listener(ConduitStreamSinkChannel c) {
            return c.getWriteListener();
        }

        @Override
        public void setListener(ConduitStreamSinkChannel c, ChannelListener<? super ConduitStreamSinkChannel> l) {
            c.setWriteListener(l);
        }

        @Override
        public void resume(ConduitStreamSinkChannel c) {
            c.resumeWrites();
        }

        @Override
        public void suspend(ConduitStreamSinkChannel c) {
            c.suspendWrites();
        }
    };

    private static final Parking.Direction<ConduitStreamSourceChannel> READS = new Parking.Direction<>() {
        @Override
        public ChannelListener<? super ConduitStreamSourceChannel> listener(ConduitStreamSourceChannel c) {
            return c.getReadListener();
        }

        @Override
        public void setListener(ConduitStreamSourceChannel c, ChannelListener<? super ConduitStreamSourceChannel> l) {
            c.setReadListener(l);
        }

        @Override
        public void resume(ConduitStreamSourceChannel c) {
            c.resumeReads();
        }

        @Override
        public void suspend(ConduitStreamSourceChannel c) {
            c.suspendReads();
        }
    };

    /**
     * {@code ServerConnection.getSourceChannel()}, protected: an HTTP/2 exchange's request channel
     * has no public way to it (HTTP/1.x has {@code HttpServerConnection.getChannel()}, and the
     * response side {@code Connectors.getConduitSinkChannel}). Null if it cannot be reached: HTTP/2
     * request reads then keep Undertow's wait.
     */
    private static final Method SOURCE_CHANNEL = sourceChannelMethod();

    private final Statistics stats;
    private final long minRate;
    private final long minRequestRate;
    private final java.time.Duration grace;

    private final ConduitWrapper<StreamSinkConduit> response = (ConduitFactory<StreamSinkConduit> factory,
            HttpServerExchange exchange) -> new Sink(factory.create(), exchange, this);

    private final ConduitWrapper<StreamSourceConduit> request = (ConduitFactory<StreamSourceConduit> factory,
            HttpServerExchange exchange) -> {
        ConduitStreamSourceChannel channel = sourceChannel(exchange);
        return channel == null ? factory.create() : new Source(factory.create(), exchange, channel, this);
    };

    /**
     * The wrappers of one handler: its minimum rates ({@code min-rate} for writes,
     * {@code min-request-rate} for reads, from the end of {@code min-rate-grace}), and its
     * statistics, which count the clients dropped as too slow and the waits under way.
     *
     * @param options the handler's options
     * @param stats the handler's counters
     */
    public ParkingConduits(io.github.undertowstreaming.StreamingOptions options, Statistics stats) {
        this.stats = stats;
        this.minRate = options.minRate();
        this.minRequestRate = options.minRequestRate();
        this.grace = options.minRateGrace();
    }

    /**
     * The first exchange a handler dispatches: warns once if the server's pool caches buffers per thread.
     *
     * @param exchange the exchange
     * @param handler the handler, for the message
     */
    public static void checkPool(HttpServerExchange exchange, String handler) {
        PoolCheck.warnIfCachedPerThread(exchange.getConnection().getByteBufferPool(), handler);
    }

    /**
     * Adds both wrappers if the exchange runs on an HTTP/1.x or HTTP/2 connection; on the IO thread,
     * before the handler. False for any other connection (AJP), whose waits stay XNIO's.
     *
     * @param exchange the exchange
     * @return whether the wrappers were added
     */
    public boolean addTo(HttpServerExchange exchange) {
        ServerConnection c = exchange.getConnection();
        if (c instanceof HttpServerConnection || c instanceof Http2ServerConnection) {
            exchange.addResponseWrapper(response);
            exchange.addRequestWrapper(request);
            return true;
        }
        return false;
    }

    /**
     * The listener's timeout for one direction ({@code Options.READ_TIMEOUT} or
     * {@code WRITE_TIMEOUT}), combined with Undertow's {@code IDLE_TIMEOUT} as its timeout conduits
     * combine them ({@code ReadTimeoutStreamSourceConduit.getTimeout}: the option, or the idle
     * timeout where the option is unset, else the smaller), in nanoseconds; 0 for none.
     */
    static long timeout(HttpServerExchange exchange, Option<Integer> option) {
        Integer t;
        try {
            t = exchange.getConnection().getOption(option);
        } catch (IOException e) {
            t = null;
        }
        Integer idle = exchange.getConnection().getUndertowOptions().get(UndertowOptions.IDLE_TIMEOUT);
        int ms = t == null || t <= 0 ? (idle == null ? 0 : idle) : idle != null && idle > 0 ? Math.min(t, idle) : t;
        return ms > 0 ? TimeUnit.MILLISECONDS.toNanos(ms) : 0;
    }

    private static Method sourceChannelMethod() {
        try {
            Method m = ServerConnection.class.getDeclaredMethod("getSourceChannel");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** The channel that the exchange's request channel wraps, or null if it cannot be reached. */
    private static ConduitStreamSourceChannel sourceChannel(HttpServerExchange exchange) {
        ServerConnection c = exchange.getConnection();
        if (c instanceof HttpServerConnection) {
            return ((HttpServerConnection) c).getChannel().getSourceChannel();
        }
        if (SOURCE_CHANNEL == null) {
            return null;
        }
        try {
            return (ConduitStreamSourceChannel) SOURCE_CHANNEL.invoke(c);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Runs {@code task} on the IO thread if called off it (a change of interest), without waiting;
     * the order of such changes is kept, as the IO thread runs its tasks in order.
     */
    private static void onIoThread(XnioIoThread io, Runnable task) {
        OnIoThread.execute(io, task);
    }

    /**
     * Ends a wait that did not end with readiness: a timeout or a client too slow. HTTP/2: only
     * this stream, reset on the IO thread (its channel's forced close sends RST_STREAM). HTTP/1.x:
     * the connection closed from this, the waiting, thread, as Undertow's
     * {@code WriteTimeoutStreamSinkConduit.handleWriteTimeout} closes it: the exchange then ends
     * here, not under this thread from the IO thread; abortively (RST) for a client too slow.
     */
    private static void drop(HttpServerExchange exchange, boolean abortively) throws IOException {
        if (exchange.getConnection() instanceof Http2ServerConnection) {
            OnIoThread.call(exchange.getIoThread(), () -> {
                IoUtils.safeClose(Connectors.getConduitSinkChannel(exchange));
                Connectors.terminateResponse(exchange);
                return null;
            });
        } else {
            Aborts.close(exchange.getConnection(), abortively);
        }
    }

    /** A wait that ended without readiness: drops the client, counts it, and gives the exception to throw. */
    private IOException ended(Parking.Outcome outcome, Parking<?> parking, HttpServerExchange exchange, boolean write,
            long moved) throws IOException {
        drop(exchange, outcome == Parking.Outcome.TOO_SLOW);
        if (outcome == Parking.Outcome.TIMED_OUT) {
            long millis = TimeUnit.NANOSECONDS.toMillis(parking.timeout());
            return write ? Messages.MESSAGES.writeTimedOut(millis) : Messages.MESSAGES.requestReadTimedOut(millis);
        }
        stats.countTooSlow();
        long window = TimeUnit.NANOSECONDS.toMillis(parking.rateWindow());
        IOException e = write ? Messages.MESSAGES.tooSlow(parking.measuredRate(), window, minRate)
                : Messages.MESSAGES.requestTooSlow(parking.measuredRate(), window, minRequestRate);
        Log.IO.tooSlow(exchange.getRequestMethod() + " " + exchange.getRequestURI(), e.getMessage(), moved,
                write ? "a dispatched exchange's response" : "a dispatched exchange's request body");
        return e;
    }

    private final class Sink extends AbstractStreamSinkConduit<StreamSinkConduit> {
        private final HttpServerExchange exchange;
        private final XnioIoThread io;
        private final boolean http2;
        private final Parking<ConduitStreamSinkChannel> parking;
        /** Bytes the connection took, and the rest of the last write it did not take; writing thread. */
        private long taken;
        private long left;

        Sink(StreamSinkConduit next, HttpServerExchange exchange, ParkingConduits owner) {
            super(next);
            this.exchange = exchange;
            this.io = exchange.getIoThread();
            this.http2 = exchange.getConnection() instanceof Http2ServerConnection;
            ServerConnection connection = exchange.getConnection();
            BooleanSupplier open = connection::isOpen;
            this.parking = new Parking<>(WRITES, Connectors.getConduitSinkChannel(exchange), io, open,
                    timeout(exchange, Options.WRITE_TIMEOUT),
                    owner.minRate > 0 ? new ClientRate(owner.minRate, owner.grace) : null,
                    () -> taken, () -> left, owner.stats);
        }

        private long took(long n, long remaining) {
            taken += Math.max(n, 0);
            left = remaining;
            return n;
        }

        @Override
        public void awaitWritable() throws IOException {
            await(-1);
        }

        @Override
        public void awaitWritable(long time, TimeUnit unit) throws IOException {
            await(unit.toNanos(time));
        }

        private void await(long nanos) throws IOException {
            if (Thread.currentThread() == io) {
                // the IO thread: Undertow refuses to block there (UT000126), as without this wrapper
                if (nanos < 0) {
                    next.awaitWritable();
                } else {
                    next.awaitWritable(nanos, TimeUnit.NANOSECONDS);
                }
                return;
            }
            Parking.Outcome outcome = parking.await(nanos);
            if (outcome == Parking.Outcome.TIMED_OUT || outcome == Parking.Outcome.TOO_SLOW) {
                throw ended(outcome, parking, exchange, true, taken);
            }
        }

        @Override
        public void resumeWrites() {
            onIoThread(io, next::resumeWrites);
        }

        @Override
        public void suspendWrites() {
            onIoThread(io, next::suspendWrites);
        }

        @Override
        public void wakeupWrites() {
            onIoThread(io, next::wakeupWrites);
        }

        // HTTP/2: the stream channel's buffers are the IO thread's (see the class comment)

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = http2 ? OnIoThread.call(io, () -> next.write(src)) : next.write(src);
            return (int) took(n, src.remaining());
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = http2 ? OnIoThread.call(io, () -> next.write(srcs, offset, length)) : next.write(srcs, offset, length);
            return took(n, Buffers.remaining(srcs, offset, length));
        }

        @Override
        public int writeFinal(ByteBuffer src) throws IOException {
            int n = http2 ? OnIoThread.call(io, () -> next.writeFinal(src)) : next.writeFinal(src);
            return (int) took(n, src.remaining());
        }

        @Override
        public long writeFinal(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = http2 ? OnIoThread.call(io, () -> next.writeFinal(srcs, offset, length))
                    : next.writeFinal(srcs, offset, length);
            return took(n, Buffers.remaining(srcs, offset, length));
        }

        @Override
        public boolean flush() throws IOException {
            return http2 ? OnIoThread.call(io, next::flush) : next.flush();
        }

        @Override
        public void terminateWrites() throws IOException {
            if (http2) {
                OnIoThread.call(io, () -> {
                    next.terminateWrites();
                    return null;
                });
            } else {
                next.terminateWrites();
            }
        }

        @Override
        public void truncateWrites() throws IOException {
            if (http2) {
                OnIoThread.call(io, () -> {
                    next.truncateWrites();
                    return null;
                });
            } else {
                next.truncateWrites();
            }
        }

        /**
         * HTTP/2: the stream channel's own {@code transferFrom} writes into itself from the calling
         * thread; here the file is read on the calling thread and its bytes written on the IO thread.
         */
        @Override
        public long transferFrom(FileChannel src, long position, long count) throws IOException {
            if (!http2 || Thread.currentThread() == io) {
                return next.transferFrom(src, position, count);
            }
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(count, exchange.getConnection().getBufferSize()));
            int n = src.read(b, position);
            if (n <= 0) {
                return 0;
            }
            b.flip();
            return write(b);
        }

        @Override
        public long transferFrom(StreamSourceChannel source, long count, ByteBuffer throughBuffer) throws IOException {
            if (!http2 || Thread.currentThread() == io) {
                return next.transferFrom(source, count, throughBuffer);
            }
            return Conduits.transfer(source, count, throughBuffer, this);
        }
    }

    private final class Source extends AbstractStreamSourceConduit<StreamSourceConduit> {
        private final HttpServerExchange exchange;
        private final XnioIoThread io;
        private final Parking<ConduitStreamSourceChannel> parking;
        /** Request body bytes read; reading thread. */
        private long given;

        Source(StreamSourceConduit next, HttpServerExchange exchange, ConduitStreamSourceChannel channel,
                ParkingConduits owner) {
            super(next);
            this.exchange = exchange;
            this.io = exchange.getIoThread();
            ServerConnection connection = exchange.getConnection();
            BooleanSupplier open = connection::isOpen;
            this.parking = new Parking<>(READS, channel, io, open, timeout(exchange, Options.READ_TIMEOUT),
                    owner.minRequestRate > 0 ? new ClientRate(owner.minRequestRate, owner.grace) : null,
                    () -> given, () -> 0, owner.stats);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int n = next.read(dst);
            given += Math.max(n, 0);
            return n;
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            long n = next.read(dsts, offset, length);
            given += Math.max(n, 0);
            return n;
        }

        @Override
        public void awaitReadable() throws IOException {
            await(-1);
        }

        @Override
        public void awaitReadable(long time, TimeUnit unit) throws IOException {
            await(unit.toNanos(time));
        }

        private void await(long nanos) throws IOException {
            if (Thread.currentThread() == io) {
                if (nanos < 0) {
                    next.awaitReadable();
                } else {
                    next.awaitReadable(nanos, TimeUnit.NANOSECONDS);
                }
                return;
            }
            Parking.Outcome outcome = parking.await(nanos);
            if (outcome == Parking.Outcome.TIMED_OUT || outcome == Parking.Outcome.TOO_SLOW) {
                throw ended(outcome, parking, exchange, false, given);
            }
        }

        @Override
        public void resumeReads() {
            onIoThread(io, next::resumeReads);
        }

        @Override
        public void suspendReads() {
            onIoThread(io, next::suspendReads);
        }

        @Override
        public void wakeupReads() {
            onIoThread(io, next::wakeupReads);
        }
    }
}
