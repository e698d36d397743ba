package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.xnio.IoUtils;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.StreamSinkConduit;

import io.undertow.server.ConduitWrapper;
import io.undertow.server.Connectors;
import io.undertow.server.DefaultResponseListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import io.undertow.util.ConduitFactory;

/**
 * Transparent mode: a dispatched handler that throws after its response started must not leave
 * a truncated body looking complete.
 *
 * <p>Undertow's {@code Connectors.executeRootHandler} catches the handler's exception, attaches
 * it as {@link DefaultResponseListener#EXCEPTION} and ends the exchange; ending it closes the
 * blocking output stream, which shuts down writes normally: the last chunk of a chunked HTTP/1.1
 * body, or the HTTP/2 stream's END_STREAM, goes out, and a body of unknown length that stopped
 * half-way looks complete (a short {@code Content-Length} is seen by the client as it is). This
 * response wrapper turns that shutdown into an abort when the exception is there: the HTTP/1.x
 * connection is closed, or the HTTP/2 stream reset, as the pump aborts its own failed streams.
 * A response whose channel was taken only after the failure (Undertow's own {@code 500}) is not
 * touched.
 *
 * <p>Not seen, and so not aborted: a handler that closes the stream itself before the exception
 * reaches Undertow (a try-with-resources around the output stream closes it first), and a servlet,
 * whose exception the servlet layer handles without attaching it. There only a length the
 * response promised tells the client.
 */
public final class FailedWriterAbort {

    private static final ConduitWrapper<StreamSinkConduit> WRAPPER = (ConduitFactory<StreamSinkConduit> factory,
            HttpServerExchange exchange) -> exchange.getAttachment(DefaultResponseListener.EXCEPTION) != null
                    ? factory.create() // the failure came first: Undertow answers it itself
                    : new Conduit(factory.create(), exchange);

    private FailedWriterAbort() {
    }

    /**
     * Adds the wrapper; on the IO thread, before the handler takes the response channel.
     *
     * @param exchange a dispatched exchange
     */
    public static void addTo(HttpServerExchange exchange) {
        exchange.addResponseWrapper(WRAPPER);
    }

    private static final class Conduit extends AbstractStreamSinkConduit<StreamSinkConduit> {
        private final HttpServerExchange exchange;
        private boolean aborted;

        Conduit(StreamSinkConduit next, HttpServerExchange exchange) {
            super(next);
            this.exchange = exchange;
        }

        /*
         * Undertow's blocking stream ends the response with writeFinal (HTTP/1.1: the chunked
         * conduit writes the last chunk with the data) or, with nothing buffered, terminateWrites:
         * both are where the failure is checked. Once aborted, bytes are dropped, as truncateWrites
         * drops them, so that the closing stream does not wait for a socket that is gone.
         */

        @Override
        public int write(ByteBuffer src) throws IOException {
            return aborted ? discard(src) : next.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return aborted ? discard(srcs, offset, length) : next.write(srcs, offset, length);
        }

        @Override
        public int writeFinal(ByteBuffer src) throws IOException {
            return abortIfFailed() ? discard(src) : next.writeFinal(src);
        }

        @Override
        public long writeFinal(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return abortIfFailed() ? discard(srcs, offset, length) : next.writeFinal(srcs, offset, length);
        }

        @Override
        public void terminateWrites() throws IOException {
            if (!abortIfFailed()) {
                next.terminateWrites();
            }
        }

        /** Aborts the response if the handler failed; true if it is aborted. */
        private boolean abortIfFailed() throws IOException {
            if (aborted) {
                return true;
            }
            if (exchange.getAttachment(DefaultResponseListener.EXCEPTION) == null) {
                return false;
            }
            aborted = true;
            if (exchange.getConnection() instanceof Http2ServerConnection) {
                resetStreamOnIoThread();
            } else {
                // HTTP/1.x, AJP: the client sees the connection end before the length or the last chunk
                IoUtils.safeClose(exchange.getConnection());
            }
            return true;
        }

        /**
         * HTTP/2: down the chain to the stream's channel, whose forced close sends RST_STREAM (only
         * this stream), and the response terminated, since the completion listeners would
         * otherwise wait for a write that never comes. On the IO thread, waited for: closed from
         * the writer's thread, the channel raced with the IO thread flushing its frames, which
         * then lost a frame header's pooled buffer (seen here on Undertow 2.4.4, as the pump saw
         * for writes; see ExchangeSink).
         */
        private void resetStreamOnIoThread() throws IOException {
            OnIoThread.call(exchange.getIoThread(), () -> {
                next.truncateWrites();
                Connectors.terminateResponse(exchange);
                return null;
            });
        }

        private static int discard(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        private static long discard(ByteBuffer[] srcs, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += discard(srcs[i]);
            }
            return n;
        }

        @Override
        public boolean flush() throws IOException {
            return aborted || next.flush();
        }

        @Override
        public boolean isWriteShutdown() {
            return aborted || next.isWriteShutdown();
        }
    }
}
