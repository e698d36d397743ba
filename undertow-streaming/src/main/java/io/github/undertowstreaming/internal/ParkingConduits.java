package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.xnio.ChannelListener;
import org.xnio.Option;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.StreamSourceConduit;

import io.undertow.UndertowOptions;
import io.undertow.server.ConduitWrapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.ConduitFactory;

/**
 * The response and request conduit wrappers of transparent mode: their {@code awaitWritable} and
 * {@code awaitReadable} park the waiting thread ({@link Parking}) instead of selecting. Only on
 * HTTP/1.x connections, plain or TLS, where XNIO's wait selects: an HTTP/2 stream waits in
 * Undertow's own monitor wait, which on JDK 24+ unmounts a virtual thread already. Not where a
 * read, write or idle timeout is set on the listener: see {@link #timed}.
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
            HttpServerExchange exchange) -> timed(exchange, Options.WRITE_TIMEOUT) ? factory.create()
                    : new Sink(factory.create(), ((HttpServerConnection) exchange.getConnection()).getChannel());

    private static final ConduitWrapper<StreamSourceConduit> REQUEST = (ConduitFactory<StreamSourceConduit> factory,
            HttpServerExchange exchange) -> timed(exchange, Options.READ_TIMEOUT) ? factory.create()
                    : new Source(factory.create(), ((HttpServerConnection) exchange.getConnection()).getChannel());

    private ParkingConduits() {
    }

    /**
     * Whether the listener has XNIO's {@code timeout} or Undertow's idle timeout. Their conduits
     * (Undertow's {@code WriteTimeoutStreamSinkConduit}, {@code ReadTimeoutStreamSourceConduit})
     * notice the timeout on the waiting thread, when their own time-bounded wait returns and the
     * next write or read gets nothing; resumed by a parked wait, they would instead close the
     * connection from the IO thread while the blocked writer still uses its buffers. So with such
     * a timeout the wait stays XNIO's own, and the timeout keeps its meaning.
     */
    private static boolean timed(HttpServerExchange exchange, Option<Integer> timeout) {
        try {
            Integer t = exchange.getConnection().getOption(timeout);
            Integer idle = exchange.getConnection().getUndertowOptions().get(UndertowOptions.IDLE_TIMEOUT);
            return t != null && t > 0 || idle != null && idle > 0;
        } catch (IOException | RuntimeException e) {
            return true; // cannot tell: keep XNIO's wait
        }
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
        private final StreamConnection connection;

        Sink(StreamSinkConduit next, StreamConnection connection) {
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
            Parking.await(WRITES, connection.getSinkChannel(), connection, nanos);
        }
    }

    private static final class Source extends AbstractStreamSourceConduit<StreamSourceConduit> {
        private final StreamConnection connection;

        Source(StreamSourceConduit next, StreamConnection connection) {
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
            Parking.await(READS, connection.getSourceChannel(), connection, nanos);
        }
    }
}
