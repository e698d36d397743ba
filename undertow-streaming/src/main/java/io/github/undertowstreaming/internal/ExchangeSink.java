package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.Executor;

import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;

import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.StreamingOptions;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultResponseListener;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;

/**
 * The {@link Sink} over the response of one Undertow exchange, and the glue that starts its pump.
 *
 * <p>It is also the exchange's write listener (called on the IO thread when the socket has room
 * again), its start task (run where the handler call returned), and its completion listener (if
 * Undertow ends the exchange because the connection closed, the pump stops and closes the body).
 */
public final class ExchangeSink implements Sink, Runnable, ChannelListener<StreamSinkChannel>,
        ExchangeCompletionListener {

    private static final AttachmentKey<ExchangeSink> SENT = AttachmentKey.create(ExchangeSink.class);

    private final HttpServerExchange exchange;
    private final StreamingBody body;
    private final Pump pump;
    /** Taken in {@link #begin}; used by the writer role only. */
    private StreamSinkChannel channel;

    private ExchangeSink(HttpServerExchange exchange, StreamingBody body, Executor executor, StreamingOptions options) {
        this.exchange = exchange;
        this.body = body;
        this.pump = new Pump(body, this, executor, options.chunkSize(), options.readAhead(), options.readBudget());
    }

    /** See {@link io.github.undertowstreaming.Streaming#send}. */
    public static void send(HttpServerExchange exchange, StreamingBody body, StreamingOptions options) {
        if (exchange.getAttachment(SENT) != null) {
            throw Messages.MESSAGES.alreadySent(describe(exchange));
        }
        if (exchange.isResponseStarted()) {
            throw Messages.MESSAGES.responseStarted(describe(exchange));
        }
        if (exchange.isDispatched()) {
            throw Messages.MESSAGES.alreadyDispatched(describe(exchange));
        }
        Executor executor = options.executor() != null ? options.executor() : exchange.getConnection().getWorker();
        ExchangeSink sink = new ExchangeSink(exchange, body, executor, options);
        exchange.putAttachment(SENT, sink);
        exchange.addExchangeCompleteListener(sink);
        // Inside a handler call this runs once the call returns; outside one it runs now.
        exchange.dispatch(SameThreadExecutor.INSTANCE, sink);
    }

    /** The start task. */
    @Override
    public void run() {
        pump.start();
    }

    @Override
    public int bufferSize() {
        return exchange.getConnection().getByteBufferPool().getBufferSize();
    }

    @Override
    public PooledByteBuffer allocate() {
        return exchange.getConnection().getByteBufferPool().allocate();
    }

    @Override
    public boolean discardsBody() {
        return exchange.getRequestMethod().equals(Methods.HEAD);
    }

    @Override
    public void begin(long length) throws IOException {
        HeaderMap headers = exchange.getResponseHeaders();
        if (!headers.contains(Headers.CONTENT_LENGTH) && !headers.contains(Headers.TRANSFER_ENCODING)) {
            if (length >= 0) {
                exchange.setResponseContentLength(length);
            } else if (exchange.isHttp11()) {
                // Chunked even if the request said "Connection: close": Undertow would otherwise
                // end the body by closing the connection, and a truncated body would look complete.
                headers.put(Headers.TRANSFER_ENCODING, Headers.CHUNKED.toString());
            }
        }
        if (discardsBody()) {
            return;
        }
        StreamSinkChannel c = exchange.getResponseChannel();
        if (c == null) {
            throw Messages.MESSAGES.responseStarted(describe(exchange));
        }
        c.getWriteSetter().set(this);
        channel = c;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return channel.write(srcs, offset, length);
    }

    @Override
    public void notifyWhenWritable() {
        channel.resumeWrites();
    }

    /** The write listener: on the IO thread, when the socket has room again. */
    @Override
    public void handleEvent(StreamSinkChannel c) {
        c.suspendWrites();
        pump.onWritable();
    }

    @Override
    public void complete() {
        exchange.endExchange();
    }

    @Override
    public void fail(Pump.Failure kind, Throwable cause, long sent) {
        String request = describe(exchange);
        if (kind == Pump.Failure.CLIENT) {
            Log.IO.clientGone(cause, request, sent, body);
            IoUtils.safeClose(exchange.getConnection());
            return;
        }
        if (exchange.isResponseStarted()) {
            if (kind == Pump.Failure.REJECTED) {
                Log.ROOT.rejected(cause, request, sent, "aborting the response");
            } else {
                Log.ROOT.failedDuringResponse(cause, body, sent, request);
            }
            // HTTP/1.1: closes the connection. HTTP/2: resets only this stream.
            IoUtils.safeClose(exchange.getConnection());
            return;
        }
        if (kind == Pump.Failure.REJECTED) {
            Log.ROOT.rejected(cause, request, sent, "responding 503");
            exchange.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE);
        } else {
            Log.ROOT.failedBeforeResponse(cause, body, request);
            exchange.setStatusCode(StatusCodes.INTERNAL_SERVER_ERROR);
            exchange.putAttachment(DefaultResponseListener.EXCEPTION, cause);
        }
        // The headers were meant for the body that failed (Content-Disposition, a length).
        exchange.getResponseHeaders().clear();
        exchange.endExchange();
    }

    /** Undertow ended the exchange: normally after {@link #complete}; else the client is gone. */
    @Override
    public void exchangeEvent(HttpServerExchange ex, NextListener nextListener) {
        try {
            if (!pump.isFinished()) {
                pump.fail(Pump.Failure.CLIENT, new ClosedChannelException());
            }
        } finally {
            nextListener.proceed();
        }
    }

    private static String describe(HttpServerExchange exchange) {
        return exchange.getRequestMethod() + " " + exchange.getRequestURI();
    }

    @Override
    public String toString() {
        return "ExchangeSink[" + describe(exchange) + ", " + pump + "]";
    }
}
