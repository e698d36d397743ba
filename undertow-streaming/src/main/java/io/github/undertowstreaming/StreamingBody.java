package io.github.undertowstreaming;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import io.github.undertowstreaming.internal.Bodies;

/**
 * A blocking, pull-based response body: the bytes that {@link Streaming#send} moves to the client.
 *
 * <p>Threading: {@link #read}, {@link #length} and {@link #close} are called on the executor of the
 * stream (the connection's XNIO worker unless {@link StreamingOptions.Builder#executor} says
 * otherwise), never on an IO thread, and one call at a time: a body needs no synchronization of
 * its own for them. They may block; that is the point. {@link #cancel} is the one exception.
 *
 * <p>Lifecycle: the pump calls {@code read} until it returns -1, then {@code close}. On every
 * other path (the client went away, a read failed, the executor refused the work) it calls
 * {@code close} without reading further. {@code close} is called exactly once by the pump, and
 * every body made by the factories here also tolerates a second call. A body made from a source
 * that is already open ({@code of(InputStream)}) closes that source even if it was never read,
 * for example on a HEAD request.
 *
 * <p>When the stream fails while a {@code read} is under way (the client went away, the exchange
 * ended), the pump, at once and from another thread: interrupts the reading thread, which ends
 * a read from an {@link java.nio.channels.InterruptibleChannel} (the interrupt is cleared when the
 * read returns); and calls {@link #cancel}, in which a body may close its source to end a read
 * blocked on a socket. Then, once {@code read} has returned, it calls {@code close} as usual and
 * no other {@code read}. The client's going away is noticed while a read blocks as described in
 * the README ("When things fail").
 *
 * <pre>{@code
 * // on the IO thread: nothing blocks here; the query runs later, on a worker
 * exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/csv");
 * Streaming.send(exchange, StreamingBody.ofInputStream(() -> store.open(key)));
 * }</pre>
 *
 * <p>The factories come in two forms. Those that take a source ({@code of(InputStream)}) use it as
 * it is; those that take an opener ({@code ofInputStream(Callable)}) call it on the executor just
 * before the first read, so that opening the source, often the slowest blocking call, never runs
 * on the IO thread either.
 */
public interface StreamingBody extends Closeable {

    /**
     * Reads bytes into {@code dst}, blocking until at least one byte was read or the body ended.
     *
     * @param dst the buffer to fill from its position; it has at least one byte remaining
     * @return the number of bytes read, at least 1, or -1 at the end of the body
     * @throws IOException if the source failed; the pump then ends the response as the failure
     *     contract says (500 before the first byte, an aborted connection or stream after it)
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * The total number of bytes this body will produce, or -1 if that is unknown. The pump asks
     * after the first read, so a body that learns its length on opening can report it (on a HEAD
     * request it asks first, and reads the first chunk only if the answer is -1, so that HEAD and
     * GET advertise the same length). A known length becomes the {@code Content-Length} of the
     * response unless the handler set one; if the handler did, the two must agree. The body must
     * then produce exactly that many bytes, or the response fails as {@link #read} says.
     *
     * @return the length in bytes, or -1 if unknown (the default)
     */
    default long length() {
        return -1;
    }

    /**
     * Releases the source. Safe to call more than once; later calls do nothing.
     *
     * @throws IOException if the source failed to close; the pump logs it and goes on
     */
    @Override
    void close() throws IOException;

    /**
     * The stream failed while a {@link #read} may be under way on another thread; the body should
     * make that read return soon, for example by closing a socket it reads. Called at most once,
     * on a thread of the library's own, never an IO thread, and possibly at the same time as
     * {@code read}; {@code close} still follows, on the executor. By default it does nothing. The
     * bodies made by the factories here close their source if it is open, so that an
     * {@code InputStream} or channel over a socket ends its read; their {@code close} then does
     * not close it a second time.
     *
     * @throws IOException if closing the source failed; the pump logs it and goes on
     */
    default void cancel() throws IOException {
    }

    // ---- InputStream ----

    /**
     * A body that reads {@code in} to its end, of unknown length. The body closes the stream.
     *
     * @param in the stream, already open
     * @return the body
     */
    static StreamingBody of(InputStream in) {
        return Bodies.inputStream(Bodies.given("in", in), -1);
    }

    /**
     * A body that reads {@code in}, which holds exactly {@code length} bytes.
     *
     * @param in the stream, already open; the body closes it
     * @param length the bytes it holds, which become the {@code Content-Length}
     * @return the body
     */
    static StreamingBody of(InputStream in, long length) {
        return Bodies.inputStream(Bodies.given("in", in), length);
    }

    /**
     * A body that opens its stream with {@code opener}, on the executor, before the first read.
     *
     * @param opener opens the stream; the body closes it
     * @return the body, of unknown length
     */
    static StreamingBody ofInputStream(Callable<? extends InputStream> opener) {
        return Bodies.inputStream(opener, -1);
    }

    /**
     * As {@link #ofInputStream(Callable)}, for a stream that holds exactly {@code length} bytes.
     *
     * @param opener opens the stream; the body closes it
     * @param length the bytes it holds, which become the {@code Content-Length}
     * @return the body
     */
    static StreamingBody ofInputStream(Callable<? extends InputStream> opener, long length) {
        return Bodies.inputStream(opener, length);
    }

    // ---- ReadableByteChannel ----

    /**
     * A body that reads a blocking {@code channel} to its end, of unknown length.
     *
     * @param channel the channel, already open; the body closes it
     * @return the body
     */
    static StreamingBody of(ReadableByteChannel channel) {
        return Bodies.channel(Bodies.given("channel", channel), -1);
    }

    /**
     * A body that reads a blocking {@code channel}, which holds exactly {@code length} bytes.
     *
     * @param channel the channel, already open; the body closes it
     * @param length the bytes it holds, which become the {@code Content-Length}
     * @return the body
     */
    static StreamingBody of(ReadableByteChannel channel, long length) {
        return Bodies.channel(Bodies.given("channel", channel), length);
    }

    /**
     * A body that opens a blocking channel with {@code opener}, on the executor, before the first read.
     *
     * @param opener opens the channel; the body closes it
     * @return the body, of unknown length
     */
    static StreamingBody ofChannel(Callable<? extends ReadableByteChannel> opener) {
        return Bodies.channel(opener, -1);
    }

    /**
     * As {@link #ofChannel(Callable)}, for a channel that holds exactly {@code length} bytes.
     *
     * @param opener opens the channel; the body closes it
     * @param length the bytes it holds, which become the {@code Content-Length}
     * @return the body
     */
    static StreamingBody ofChannel(Callable<? extends ReadableByteChannel> opener, long length) {
        return Bodies.channel(opener, length);
    }

    // ---- files ----

    /**
     * A body that sends the file at {@code path}. The file is opened on the executor before the
     * first read, and its size then becomes the {@code Content-Length}: a file that grows
     * meanwhile is sent as long as it was, one that shrinks fails the body (an incomplete response,
     * never a complete-looking one).
     *
     * <p>Over HTTP/1.x without TLS, everything after the first chunk goes from the file to the
     * socket with {@link FileChannel#transferTo} (sendfile on Linux): no copy through the JVM, and
     * no pooled buffer held while the client is slow. Such transfers run on the executor, never on
     * an IO thread, as Undertow's own file sending does. Over TLS, HTTP/2 and AJP, and through
     * response conduits that rewrite the body, the file is read into pooled buffers like any body.
     *
     * @param path the file; the body opens and closes it
     * @return the body
     */
    static StreamingBody ofFile(Path path) {
        return Bodies.file(path);
    }

    /**
     * As {@link #ofFile(Path)}, for {@code count} bytes of an open {@code channel} from
     * {@code position} on. The body reads with positional reads: the channel's own position is
     * neither used nor changed.
     *
     * @param channel the file, already open; the body closes it
     * @param position where the body starts in the file, at least 0
     * @param count the body's length, at least 0, which becomes the {@code Content-Length}
     * @return the body
     */
    static StreamingBody ofFile(FileChannel channel, long position, long count) {
        return Bodies.file(channel, position, count);
    }

    // ---- chunks: byte[], ByteBuffer or CharSequence ----

    /**
     * A body made of the elements of {@code chunks}, each a {@code byte[]}, a {@code ByteBuffer}
     * (read from its position to its limit, left unchanged) or a {@code CharSequence} (encoded
     * in UTF-8). {@code hasNext} and {@code next} run on the executor, so the iterator may block,
     * for example on a database cursor. If the iterator is {@link AutoCloseable} the body closes it.
     *
     * @param chunks the elements, in order
     * @return the body, of unknown length
     */
    static StreamingBody ofChunks(Iterator<?> chunks) {
        return Bodies.chunks(Bodies.given("chunks", chunks), StandardCharsets.UTF_8);
    }

    /**
     * As {@link #ofChunks(Iterator)}, encoding {@code CharSequence} elements in {@code charset}.
     *
     * @param chunks the elements, in order
     * @param charset the encoding of {@code CharSequence} elements
     * @return the body, of unknown length
     */
    static StreamingBody ofChunks(Iterator<?> chunks, Charset charset) {
        return Bodies.chunks(Bodies.given("chunks", chunks), charset);
    }

    /**
     * As {@link #ofChunks(Iterator)}; {@code iterator()} is called on the executor before the
     * first read, so an {@code Iterable} is itself the opener: {@code ofChunks(() -> cursor())}.
     *
     * @param <T> the element type, so that a lambda returning any {@code Iterator} fits
     * @param chunks gives the iterator of the elements, once
     * @return the body, of unknown length
     */
    static <T> StreamingBody ofChunks(Iterable<T> chunks) {
        return Bodies.chunks(Bodies.iterating(chunks), StandardCharsets.UTF_8);
    }

    /**
     * As {@link #ofChunks(Iterable)}, encoding {@code CharSequence} elements in {@code charset}.
     *
     * @param <T> the element type
     * @param chunks gives the iterator of the elements, once
     * @param charset the encoding of {@code CharSequence} elements
     * @return the body, of unknown length
     */
    static <T> StreamingBody ofChunks(Iterable<T> chunks, Charset charset) {
        return Bodies.chunks(Bodies.iterating(chunks), charset);
    }

    /**
     * As {@link #ofChunks(Iterator)}, over a stream, which the body closes.
     *
     * @param chunks the elements, in order
     * @return the body, of unknown length
     */
    static StreamingBody ofChunks(Stream<?> chunks) {
        return Bodies.chunks(Bodies.streaming(Bodies.given("chunks", chunks)), StandardCharsets.UTF_8);
    }

    /**
     * As {@link #ofChunks(Stream)}, encoding {@code CharSequence} elements in {@code charset}.
     *
     * @param chunks the elements, in order
     * @param charset the encoding of {@code CharSequence} elements
     * @return the body, of unknown length
     */
    static StreamingBody ofChunks(Stream<?> chunks, Charset charset) {
        return Bodies.chunks(Bodies.streaming(Bodies.given("chunks", chunks)), charset);
    }

    /**
     * A body over the stream that {@code opener} returns; the opener runs on the executor before
     * the first read, and the body closes the stream. For example, rows of a JDBC query mapped to
     * CSV lines.
     *
     * @param opener opens the stream of elements, as {@link #ofChunks(Iterator)} takes them
     * @param charset the encoding of {@code CharSequence} elements
     * @return the body, of unknown length
     */
    static StreamingBody ofChunkStream(Callable<? extends Stream<?>> opener, Charset charset) {
        return Bodies.chunks(Bodies.streaming(opener), charset);
    }
}
