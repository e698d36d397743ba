package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.xnio.ChannelListener;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.StreamSourceConduit;

import io.undertow.server.ConduitWrapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.ConduitFactory;

/**
 * The response and request conduit wrappers of transparent mode: their {@code awaitWritable} and
 * {@code awaitReadable} park the waiting thread ({@link Parking}) instead of selecting. Only on
 * HTTP/1.x connections, plain or TLS, where XNIO's wait selects: an HTTP/2 stream waits in
 * Undertow's own monitor wait, which on JDK 24+ unmounts a virtual thread already.
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

    private static final ConduitWrapper<StreamSinkConduit> RESPONSE = (ConduitFactory<StreamSinkConduit> factory,
            HttpServerExchange exchange) -> new Sink(factory.create(),
                    ((HttpServerConnection) exchange.getConnection()).getChannel().getSinkChannel());

    private static final ConduitWrapper<StreamSourceConduit> REQUEST = (ConduitFactory<StreamSourceConduit> factory,
            HttpServerExchange exchange) -> new Source(factory.create(),
                    ((HttpServerConnection) exchange.getConnection()).getChannel().getSourceChannel());

    private ParkingConduits() {
    }

    /** The first exchange a handler dispatches: warns once if the server's pool caches buffers per thread. */
    public static void checkPool(HttpServerExchange exchange, String handler) {
        PoolCheck.warnIfCachedPerThread(exchange.getConnection().getByteBufferPool(), handler);
    }

    /** Adds both wrappers if the exchange runs on an HTTP/1.x connection; on the IO thread, before the handler. */
    public static void addTo(HttpServerExchange exchange) {
        if (exchange.getConnection() instanceof HttpServerConnection) {
            exchange.addResponseWrapper(RESPONSE);
            exchange.addRequestWrapper(REQUEST);
        }
    }

    private static final class Sink extends AbstractStreamSinkConduit<StreamSinkConduit> {
        private final ConduitStreamSinkChannel connection;

        Sink(StreamSinkConduit next, ConduitStreamSinkChannel connection) {
            super(next);
            this.connection = connection;
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
            if (Thread.currentThread() == getWriteThread()) {
                // the IO thread: Undertow refuses to block there (UT000126), as without this wrapper
                if (nanos < 0) {
                    next.awaitWritable();
                } else {
                    next.awaitWritable(nanos, TimeUnit.NANOSECONDS);
                }
                return;
            }
            Parking.await(WRITES, connection, nanos);
        }
    }

    private static final class Source extends AbstractStreamSourceConduit<StreamSourceConduit> {
        private final ConduitStreamSourceChannel connection;

        Source(StreamSourceConduit next, ConduitStreamSourceChannel connection) {
            super(next);
            this.connection = connection;
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
            if (Thread.currentThread() == getReadThread()) {
                if (nanos < 0) {
                    next.awaitReadable();
                } else {
                    next.awaitReadable(nanos, TimeUnit.NANOSECONDS);
                }
                return;
            }
            Parking.await(READS, connection, nanos);
        }
    }
}
