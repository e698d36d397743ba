package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

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

    private static final ConduitWrapper<StreamSinkConduit> RESPONSE = (ConduitFactory<StreamSinkConduit> factory,
            HttpServerExchange exchange) -> new Sink(factory.create(), exchange);

    private static final ConduitWrapper<StreamSourceConduit> REQUEST = (ConduitFactory<StreamSourceConduit> factory,
            HttpServerExchange exchange) -> {
        ConduitStreamSourceChannel channel = sourceChannel(exchange);
        return channel == null ? factory.create() : new Source(factory.create(), exchange, channel);
    };

    private ParkingConduits() {
    }

    /** The first exchange a handler dispatches: warns once if the server's pool caches buffers per thread. */
    public static void checkPool(HttpServerExchange exchange, String handler) {
        PoolCheck.warnIfCachedPerThread(exchange.getConnection().getByteBufferPool(), handler);
    }

    /**
     * Adds both wrappers if the exchange runs on an HTTP/1.x or HTTP/2 connection; on the IO thread,
     * before the handler. False for any other connection (AJP), whose waits stay XNIO's.
     */
    public static boolean addTo(HttpServerExchange exchange) {
        ServerConnection c = exchange.getConnection();
        if (c instanceof HttpServerConnection || c instanceof Http2ServerConnection) {
            exchange.addResponseWrapper(RESPONSE);
            exchange.addRequestWrapper(REQUEST);
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

    private static final class Sink extends AbstractStreamSinkConduit<StreamSinkConduit> {
        private final HttpServerExchange exchange;
        private final XnioIoThread io;
        private final boolean http2;
        private final Parking<ConduitStreamSinkChannel> parking;

        Sink(StreamSinkConduit next, HttpServerExchange exchange) {
            super(next);
            this.exchange = exchange;
            this.io = exchange.getIoThread();
            this.http2 = exchange.getConnection() instanceof Http2ServerConnection;
            ServerConnection connection = exchange.getConnection();
            BooleanSupplier open = connection::isOpen;
            this.parking = new Parking<>(WRITES, Connectors.getConduitSinkChannel(exchange), io, open,
                    timeout(exchange, Options.WRITE_TIMEOUT));
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
            if (parking.await(nanos) == Parking.Outcome.TIMED_OUT) {
                long millis = TimeUnit.NANOSECONDS.toMillis(parking.timeout());
                if (http2) {
                    // only this stream: its channel's forced close sends RST_STREAM, on the IO thread
                    OnIoThread.call(io, () -> {
                        next.truncateWrites();
                        Connectors.terminateResponse(exchange);
                        return null;
                    });
                } else {
                    // on this thread, as Undertow's WriteTimeoutStreamSinkConduit.handleWriteTimeout
                    // closes it: the exchange then ends here, not under this thread from the IO thread
                    IoUtils.safeClose(exchange.getConnection());
                }
                throw Messages.MESSAGES.writeTimedOut(millis);
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
            return http2 ? OnIoThread.call(io, () -> next.write(src)) : next.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return http2 ? OnIoThread.call(io, () -> next.write(srcs, offset, length)) : next.write(srcs, offset, length);
        }

        @Override
        public int writeFinal(ByteBuffer src) throws IOException {
            return http2 ? OnIoThread.call(io, () -> next.writeFinal(src)) : next.writeFinal(src);
        }

        @Override
        public long writeFinal(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return http2 ? OnIoThread.call(io, () -> next.writeFinal(srcs, offset, length))
                    : next.writeFinal(srcs, offset, length);
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

    private static final class Source extends AbstractStreamSourceConduit<StreamSourceConduit> {
        private final HttpServerExchange exchange;
        private final XnioIoThread io;
        private final boolean http2;
        private final Parking<ConduitStreamSourceChannel> parking;

        Source(StreamSourceConduit next, HttpServerExchange exchange, ConduitStreamSourceChannel channel) {
            super(next);
            this.exchange = exchange;
            this.io = exchange.getIoThread();
            this.http2 = exchange.getConnection() instanceof Http2ServerConnection;
            ServerConnection connection = exchange.getConnection();
            BooleanSupplier open = connection::isOpen;
            this.parking = new Parking<>(READS, channel, io, open, timeout(exchange, Options.READ_TIMEOUT));
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
            if (parking.await(nanos) == Parking.Outcome.TIMED_OUT) {
                long millis = TimeUnit.NANOSECONDS.toMillis(parking.timeout());
                if (http2) {
                    // only this stream: closing its response resets it (RST_STREAM), on the IO thread
                    OnIoThread.call(io, () -> {
                        IoUtils.safeClose(Connectors.getConduitSinkChannel(exchange));
                        Connectors.terminateResponse(exchange);
                        return null;
                    });
                } else {
                    IoUtils.safeClose(exchange.getConnection());
                }
                throw Messages.MESSAGES.requestReadTimedOut(millis);
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
