package io.github.undertowstreaming.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.channels.WriteTimeoutException;
import org.xnio.channels.StreamSinkChannel;

import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.StreamingOptions;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.Connectors;
import io.undertow.server.DefaultResponseListener;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.Protocols;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;

/**
 * The {@link Sink} over the response of one Undertow exchange, and the glue that starts its pump.
 *
 * <p>It is also the exchange's write listener (called on the IO thread when the socket has room
 * again), its start task (run where the handler call returned), and its completion listener (if
 * Undertow ends the exchange first, because the connection closed or the handler threw after
 * {@code send}, the pump stops and closes the body). The exchange is ended, and a failed one
 * aborted, on its IO thread, as Undertow does itself.
 */
public final class ExchangeSink implements Sink, Runnable, ChannelListener<StreamSinkChannel>,
        ExchangeCompletionListener {

    private static final AttachmentKey<ExchangeSink> SENT = AttachmentKey.create(ExchangeSink.class);
    /** See {@link StreamAdmission#attachTo}. */
    static final AttachmentKey<StreamAdmission> ADMISSION = AttachmentKey.create(StreamAdmission.class);

    /** {@link #admission}: not asked yet, admitted (and owed an end), or over (the exchange completed, or refused). */
    private static final int NOT_ASKED = 0;
    private static final int ADMITTED = 1;
    private static final int OVER = 2;

    private final HttpServerExchange exchange;
    private final StreamingBody body;
    private final Pump pump;
    private final ClientWatch watch;
    /** HTTP/2: writes on the IO thread, aborts reset only the stream. Fixed once the chain runs. */
    private final boolean http2;
    /** Taken in {@link #begin}; used by the writer role only, and by the failure after it. */
    private volatile StreamSinkChannel channel;
    /** Undertow ended the exchange before the stream ended: there is nothing left to send or abort. */
    private volatile boolean ended;
    /** {@code send} threw after this was registered: the exchange and the body are not ours. */
    private volatile boolean abandoned;
    /** The exchange's {@link StreamAdmission}, or null. */
    private final StreamAdmission admission;
    /** NOT_ASKED, ADMITTED or OVER: an admitted stream's end is told once, whichever comes last of its start and its exchange's end. */
    private final java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger(NOT_ASKED);

    private ExchangeSink(HttpServerExchange exchange, StreamingBody body, Executor executor, ReadGate gate,
            StreamingOptions options, Statistics stats) {
        this.exchange = exchange;
        this.body = body;
        this.http2 = Protocols.HTTP_2_0.equals(exchange.getProtocol());
        this.pump = new Pump(body, this, executor, gate, options.chunkSize(), options.readAhead(), options.readBudget(),
                stats, options.maxStreams());
        this.watch = new ClientWatch(exchange, pump, () -> channel, options.readTimeout(), options.writeTimeout(),
                options.minRate(), options.minRateGrace(), body);
        this.admission = exchange.getAttachment(ADMISSION);
    }

    /**
     * See {@link io.github.undertowstreaming.Streaming#send}: the options and the counters of the
     * handler that attached them ({@link HandlerContext}), or the defaults and {@link Statistics#GLOBAL}.
     *
     * @param exchange the exchange
     * @param body the body
     */
    public static void send(HttpServerExchange exchange, StreamingBody body) {
        send(exchange, body, null);
    }

    /**
     * As {@link #send(HttpServerExchange, StreamingBody)}, but the stream's start task is handed
     * to {@code starter}, which runs it once the call that sent the body has returned, instead of
     * {@code exchange.dispatch}: for the servlet entry point, whose exchange the servlet
     * container's async context keeps (it dispatches the exchange itself, so the exchange may be
     * dispatched already). The task must run on a thread that is not in a call of the exchange,
     * as a dispatched task does. If {@code starter} throws, nothing happened: the body is still
     * the caller's.
     *
     * @param exchange the exchange
     * @param body the body
     * @param starter runs the stream's start task, once the sending call has returned
     */
    public static void send(HttpServerExchange exchange, StreamingBody body, java.util.function.Consumer<Runnable> starter) {
        StreamingOptions options = HandlerContext.options(exchange);
        Statistics stats = HandlerContext.statistics(exchange);
        if (exchange.getAttachment(SENT) != null) {
            throw Messages.MESSAGES.alreadySent(describe(exchange));
        }
        if (exchange.isResponseStarted()) {
            throw Messages.MESSAGES.responseStarted(describe(exchange));
        }
        if (starter == null && exchange.isDispatched()) {
            throw Messages.MESSAGES.alreadyDispatched(describe(exchange));
        }
        Executor executor = options.executor();
        ReadGate gate = null;
        if (executor == null && VirtualThreads.isExecutor(options.dispatch())) {
            // dispatch=virtual reads bodies on virtual threads too, one switch for both: with 1024
            // slow clients of a source that sleeps 1 ms a read, they finished in 5.4 s with /ping
            // p99 8.8 ms, against 18.8 s and 2.1 ms behind the read gate (benchmark section 1c)
            executor = options.dispatch();
        } else if (executor == null) {
            executor = exchange.getConnection().getWorker();
            gate = ReadGate.of(exchange.getConnection().getWorker());
        }
        ExchangeSink sink = new ExchangeSink(exchange, body, executor, gate, options, stats);
        exchange.addExchangeCompleteListener(sink); // throws if the exchange is over: nothing happened yet
        exchange.putAttachment(SENT, sink);
        try {
            if (starter != null) {
                starter.accept(sink);
            } else {
                // Inside a handler call this runs once the call returns; outside one it runs now.
                exchange.dispatch(SameThreadExecutor.INSTANCE, sink);
            }
        } catch (RuntimeException | Error e) {
            sink.abandoned = true; // the body stays the caller's, as send's javadoc says
            exchange.removeAttachment(SENT);
            throw e;
        }
    }

    /**
     * The start task: asks the exchange's {@link StreamAdmission}, if any, then starts the pump.
     * A stream it refuses reads nothing and gets {@code 503}, as one over {@code max-streams}.
     */
    @Override
    public void run() {
        StreamAdmission a = admission;
        if (a != null) {
            if (!a.begin()) {
                admitted.set(OVER);
                pump.fail(Pump.Failure.SUSPENDED, Messages.MESSAGES.suspended());
                return;
            }
            if (!admitted.compareAndSet(NOT_ASKED, ADMITTED)) {
                a.end(); // the exchange completed meanwhile (the connection closed): the pump sees it failed
            }
        }
        pump.start();
        watch.start();
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
    public boolean bodyAllowed() {
        return !headRequest() && Connectors.isEntityBodyAllowed(exchange);
    }

    @Override
    public boolean headRequest() {
        return exchange.getRequestMethod().equals(Methods.HEAD);
    }

    @Override
    public long declaredLength() throws IOException {
        String value = exchange.getResponseHeaders().getFirst(Headers.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            long length = Long.parseLong(value.trim());
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // not a length: refused below
        }
        throw Messages.MESSAGES.badContentLength(value);
    }

    @Override
    public void begin(long length) throws IOException {
        HeaderMap headers = exchange.getResponseHeaders();
        // 1xx, 204 and 304 get no framing headers: they have no body (RFC 9110, 8.6).
        if (Connectors.isEntityBodyAllowed(exchange)
                && !headers.contains(Headers.CONTENT_LENGTH) && !headers.contains(Headers.TRANSFER_ENCODING)) {
            if (length >= 0) {
                exchange.setResponseContentLength(length);
            } else if (exchange.isHttp11() && "http/1.1".equals(exchange.getConnection().getTransportProtocol())) {
                // Chunked even if the request said "Connection: close": Undertow would otherwise
                // end the body by closing the connection, and a truncated body would look complete.
                // Only on HTTP/1.1 itself: HTTP/2 and AJP frame the body their own way.
                headers.put(Headers.TRANSFER_ENCODING, Headers.CHUNKED.toString());
            }
        }
        // Taken for a response without a body too: left untaken, Undertow's endExchange would
        // add "Content-Length: 0" to a HEAD response of unknown length.
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
    public boolean flush() throws IOException {
        return channel.flush();
    }

    /**
     * HTTP/1.x on a plain socket. A write goes through the fixed-length or chunked conduit and
     * HttpResponseConduit to the socket conduit's gathering write, each taking less than it was
     * given only when the next one did; {@code transferFrom} goes the same way, clamped to the
     * length, and HttpResponseConduit passes it on once the headers are out, to the socket
     * conduit's {@code FileChannel.transferTo} (Undertow 2.3 and 2.4 read). Over TLS a short write
     * may be a full SSL record with room in the socket, and the SSL conduit copies files through
     * buffers; HTTP/2 and AJP frame the body themselves.
     */
    @Override
    public boolean plainSocket() {
        return "http/1.1".equals(exchange.getConnection().getTransportProtocol())
                && exchange.getConnection().getSslSessionInfo() == null;
    }

    @Override
    public long transferFrom(FileChannel src, long position, long count) throws IOException {
        return channel.transferFrom(src, position, count);
    }

    /**
     * Resumes writes on the IO thread: the writer role may run on the executor, and a resume from
     * there races with Undertow's SSL conduit, whose write-ready handler suspends the socket's
     * writes on the IO thread from a state it read before (a lost wake-up; see Parking). The
     * listener was set in {@link #begin}, before any interest.
     */
    @Override
    public void notifyWhenWritable() {
        StreamSinkChannel c = channel;
        onIoThread(c::resumeWrites);
    }

    /** The write listener: on the IO thread, when the socket has room again. */
    @Override
    public void handleEvent(StreamSinkChannel c) {
        c.suspendWrites();
        pump.onWritable();
    }

    @Override
    public void shutdownWrites() throws IOException {
        channel.shutdownWrites();
    }

    /**
     * Ends the exchange on the IO thread, once the pump's final flush is done. Undertow's
     * {@code endExchange} closes a blocking exchange's input stream, which drains an unread
     * request body: on the IO thread that fails at once, on a worker it blocks until the client
     * sends the rest. Either way the response must be out before it runs, or it is truncated.
     */
    @Override
    public void complete() {
        onIoThread(exchange::endExchange);
    }

    @Override
    public Pump.Failure classify(Throwable t) {
        return ended || clientGone(t) ? Pump.Failure.CLIENT : Pump.Failure.WRITE;
    }

    /**
     * Whether a write failed because the peer is gone: a closed channel or stream, an end of
     * stream, a socket error, or an error of the JDK's socket layer ("Broken pipe", "Connection
     * reset by peer"). Undertow closes the connection on any write failure, so the connection's
     * state cannot tell; the exception can.
     */
    private static boolean clientGone(Throwable t) {
        for (Throwable e = t; e != null; e = e.getCause()) {
            if (e instanceof ClosedChannelException || e instanceof EOFException || e instanceof SocketException) {
                return true;
            }
            StackTraceElement[] trace = e.getStackTrace();
            if (e instanceof IOException && trace.length > 0 && trace[0].getClassName().startsWith("sun.nio.ch.")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void fail(Pump.Failure kind, Throwable cause, long sent) {
        if (ended) {
            // Undertow ended the exchange (the connection closed, or the handler threw after
            // send and Undertow answered): nothing to send, nothing to abort.
            Log.IO.exchangeEnded(describe(exchange), sent, body);
            return;
        }
        onIoThread(() -> failOnIoThread(kind, cause, sent));
    }

    private void failOnIoThread(Pump.Failure kind, Throwable cause, long sent) {
        String request = describe(exchange);
        if (kind == Pump.Failure.CLIENT) {
            Log.IO.clientGone(cause, request, sent, body);
            abort();
            return;
        }
        if (kind == Pump.Failure.TOO_SLOW) {
            Log.IO.tooSlow(request, cause.getMessage(), sent, body);
            abort(true);
            return;
        }
        if (cause instanceof WriteTimeoutException) {
            Log.IO.writeTimedOut(cause, request, sent, body);
            abort();
            return;
        }
        if (kind == Pump.Failure.SUSPENDED) {
            Log.IO.suspended(request);
            exchange.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE);
            exchange.getResponseHeaders().clear();
            exchange.endExchange();
            return;
        }
        if (kind == Pump.Failure.LIMITED) {
            Log.IO.limited(request);
            exchange.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE);
            exchange.getResponseHeaders().clear();
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            exchange.endExchange();
            return;
        }
        if (exchange.isResponseStarted()) {
            if (kind == Pump.Failure.TIMEOUT) {
                Log.ROOT.readTimedOut(cause, body, request);
            } else if (kind == Pump.Failure.REJECTED) {
                Log.ROOT.rejected(cause, request, sent, "aborting the response");
            } else if (kind == Pump.Failure.WRITE) {
                Log.ROOT.writeFailed(cause, request, sent, body);
            } else {
                Log.ROOT.failedDuringResponse(cause, body, sent, request);
            }
            abort();
            return;
        }
        if (kind == Pump.Failure.REJECTED) {
            Log.ROOT.rejected(cause, request, sent, "responding 503");
            exchange.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE);
        } else {
            if (kind == Pump.Failure.TIMEOUT) {
                Log.ROOT.readTimedOut(cause, body, request);
            } else {
                Log.ROOT.failedBeforeResponse(cause, body, request);
            }
            exchange.setStatusCode(StatusCodes.INTERNAL_SERVER_ERROR);
            exchange.putAttachment(DefaultResponseListener.EXCEPTION, cause);
        }
        // The headers were meant for the body that failed (Content-Disposition, a length).
        exchange.getResponseHeaders().clear();
        exchange.endExchange();
    }

    /**
     * Ends a started response so that the client sees it incomplete, and ends the exchange. On
     * the IO thread.
     *
     * <p>HTTP/2: only this stream. Closing the stream's channel sends RST_STREAM, unless the
     * client reset the stream first (RFC 9113, 5.4.2: no reset in reply to a reset) or the
     * connection is gone; Undertow checks both. Closing the connection object instead would
     * reset in reply to a reset, and does nothing at all on the first stream of an h2c upgrade,
     * which has no request channel. After a forced close Undertow runs the exchange's
     * completion listeners only on the next write or flush, which never comes: so the response
     * is terminated here, as that listener would. HTTP/1.x and AJP: the connection is closed.
     */
    private void abort() {
        abort(false);
    }

    /**
     * As {@link #abort()}; {@code abortively}: an HTTP/1.x connection is reset (RST, SO_LINGER 0),
     * so that the bytes queued in the kernel for a client dropped as too slow are freed at once.
     */
    private void abort(boolean abortively) {
        if (http2 && channel != null) {
            IoUtils.safeClose(channel);
            Connectors.terminateResponse(exchange);
        } else {
            Aborts.close(exchange.getConnection(), abortively);
        }
        exchange.endExchange();
    }

    @Override
    public boolean framed() {
        return http2;
    }

    /**
     * HTTP/2 writes run on the IO thread. A worker's write into a stream's channel races with the
     * IO thread handling the client's RST_STREAM: the channel can be closed between the write's
     * check and its taking of a pooled buffer, which is then never returned (seen in the soak
     * test on Undertow 2.4.4, with BlockingHandler too: dozens of buffers per 3,000 resets).
     */
    @Override
    public boolean writesOnIoThreadOnly() {
        return framed() && !exchange.isInIoThread();
    }

    @Override
    public boolean onIoThread(Runnable task) {
        if (exchange.isInIoThread()) {
            task.run();
            return true;
        }
        try {
            exchange.getIoThread().execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            // The IO thread is terminating: the server stops, and the connection goes with it.
            // Closing it makes sure the client sees the response end incomplete, not complete.
            IoUtils.safeClose(exchange.getConnection());
            return false;
        }
    }

    /**
     * Undertow ended the exchange: as the pump's final flush sent the last bytes, after
     * {@link #complete}, or before the stream ended (the connection closed, the handler threw).
     *
     * <p>The first happens inside the pump's own flush call, before it returns: the response
     * channel's finish ends the exchange there. HTTP/1.1: {@code ChunkedStreamSinkConduit.flush}
     * and {@code ServerFixedLengthStreamSinkConduit.channelFinished} call
     * {@code Connectors.terminateResponse}; HTTP/2: {@code Http2DataStreamSinkChannel.flush} runs
     * the completion listener that {@code Http2ReceiveListener} set (terminateResponse) once the
     * last frame went out ({@code handleFlushComplete}). {@code HttpServerExchange.terminateResponse}
     * then runs the completion listeners when the request is over. So a complete response, on an
     * open connection, during the final flush, is the stream's success ({@link Pump#responseEnded});
     * anything else is the client's failure. A connection closed under the exchange also marks
     * the response complete ({@code closeAndFlushResponse}), hence the check that it is open.
     */
    @Override
    public void exchangeEvent(HttpServerExchange ex, NextListener nextListener) {
        try {
            watch.stop();
            if (!abandoned && !pump.isFinished() && !(exchange.isResponseComplete()
                    && exchange.getConnection().isOpen() && pump.responseEnded())) {
                ended = true;
                pump.fail(Pump.Failure.CLIENT, new ClosedChannelException());
            }
        } finally {
            if (admitted.getAndSet(OVER) == ADMITTED) {
                admission.end();
            }
            nextListener.proceed();
        }
    }

    static String describe(HttpServerExchange exchange) {
        return exchange.getRequestMethod() + " " + exchange.getRequestURI();
    }

    @Override
    public String toString() {
        return "ExchangeSink[" + describe(exchange) + ", " + pump + "]";
    }
}
