package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

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

    /** True if the response carries no body (HEAD): the pump then closes the body unread. */
    boolean discardsBody();

    /**
     * Called once, before the first write: the body's length, or -1. Sets the framing headers
     * and takes the response channel.
     */
    void begin(long length) throws IOException;

    /**
     * Writes {@code srcs[offset]} to {@code srcs[offset + length - 1]} without blocking, as one
     * gathering write; returns the number of bytes written, 0 if the socket is full.
     */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /** Arranges for {@link Pump#onWritable} to be called once the sink accepts bytes again. */
    void notifyWhenWritable();

    /** Every byte is written: ends the response. */
    void complete();

    /**
     * The stream failed. Called once per stream, never while a write is under way. Before the
     * response started this sends a status ({@code 500}, or {@code 503} if the executor refused
     * the work); after it, it aborts the connection or stream so that the client sees the body
     * incomplete.
     */
    void fail(Pump.Failure kind, Throwable cause, long sent);
}
