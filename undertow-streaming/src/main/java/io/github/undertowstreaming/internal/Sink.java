package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import io.undertow.connector.PooledByteBuffer;

/**
 * Where a {@link Pump} puts its bytes: the response of one exchange ({@link ExchangeSink}), or a
 * sink of a test. The pump calls these methods from whichever thread holds its writer role (an
 * executor thread or an IO thread), one call at a time; none of them may block.
 */
interface Sink {

    /** The size of the buffers {@link #allocate} returns. */
    int bufferSize();

    /** A buffer from the connection's pool; the pump closes it when the stream ends. */
    PooledByteBuffer allocate();

    /** False for HEAD and for statuses without a body (1xx, 204, 304): nothing is then sent. */
    boolean bodyAllowed();

    /** True for HEAD: the headers then say what GET would send. */
    boolean headRequest();

    /**
     * The {@code Content-Length} the handler set, or -1; a promise like {@code body.length()}.
     *
     * @throws IOException if the header is not a length
     */
    long declaredLength() throws IOException;

    /**
     * Called once, before the first write, also for a response without a body: the promised
     * length, or -1. Sets the framing headers and takes the response channel.
     */
    void begin(long length) throws IOException;

    /**
     * Writes {@code srcs[offset]} to {@code srcs[offset + length - 1]} without blocking, as one
     * gathering write; returns the number of bytes written, 0 if the socket is full.
     */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /**
     * Whether the writes reach a plain socket through conduits that pass them on (HTTP/1.x without
     * TLS): then a write that takes fewer bytes than it was given means the socket is full, so the
     * writer arms at once rather than after one more write that would take nothing; and
     * {@link #transferFrom} reaches the socket's own, which sends from a file without a copy
     * (sendfile). False by default.
     */
    default boolean plainSocket() {
        return false;
    }

    /**
     * Writes up to {@code count} bytes of {@code src} from {@code position} without blocking on
     * the client (it may wait for the disk); returns the bytes written, 0 if the socket is full.
     * Only where {@link #plainSocket}, and never on an IO thread.
     */
    default long transferFrom(FileChannel src, long position, long count) throws IOException {
        throw new UnsupportedOperationException("transferFrom");
    }

    /**
     * Pushes out what the sink holds of the bytes written so far, without blocking; false if
     * it could not yet (then {@link #notifyWhenWritable} and flush again).
     */
    boolean flush() throws IOException;

    /**
     * Whether the writes go into Undertow's framed HTTP/2 stream channel, whose write-ready event
     * for the final flush can go missing (see {@link Pump#retryFinalFlush}). False by default.
     */
    default boolean framed() {
        return false;
    }

    /**
     * Whether writes from the calling thread must be handed to the IO thread instead
     * ({@link #onIoThread}). HTTP/2: Undertow's stream channel frees a write buffer that a reset
     * races with only when the write runs on the IO thread, which handles the reset.
     */
    boolean writesOnIoThreadOnly();

    /** Runs {@code task} on the sink's IO thread; false if that thread takes no more tasks. */
    boolean onIoThread(Runnable task);

    /** Arranges for {@link Pump#onWritable} to be called once the sink accepts bytes again. */
    void notifyWhenWritable();

    /**
     * Every byte is written: no more will be (the end of a chunked body, or of an HTTP/2 stream,
     * is queued). Called once, then {@link #flush} until it returns true.
     */
    void shutdownWrites() throws IOException;

    /** The final flush completed: ends the exchange, without blocking. */
    void complete();

    /**
     * What a failed {@link #write} means: {@link Pump.Failure#CLIENT} if the client went away,
     * {@link Pump.Failure#WRITE} if this side failed while the client was still there.
     */
    Pump.Failure classify(Throwable writeFailure);

    /**
     * The stream failed. Called once per stream, never while a write is under way. Before the
     * response started this sends a status ({@code 500}, or {@code 503} if the executor refused
     * the work); after it, it aborts the connection or stream so that the client sees the body
     * incomplete; either way the exchange ends.
     */
    void fail(Pump.Failure kind, Throwable cause, long sent);
}
