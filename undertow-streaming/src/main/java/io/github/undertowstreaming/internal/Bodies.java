package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import io.github.undertowstreaming.StreamingBody;

/**
 * The bodies behind the factories of {@link StreamingBody}. One base class, {@link SourceBody},
 * holds what every adapter shares: opening the source on the first read, the length, closing
 * the source exactly once (by {@code close} or {@code cancel}, whichever comes first), and
 * {@code toString}; each adapter adds only how it reads.
 */
public final class Bodies {

    /** The largest array lent for one read of an InputStream into a direct buffer ({@link TransferArrays}). */
    private static final int MAX_TRANSFER = 1 << 20;

    /** Room for the bytes of any one character in any charset, with margin. */
    private static final int SPILL = 16;

    private Bodies() {
    }

    /**
     * An opener that returns {@code source}, already open, checked here so the error names the
     * argument. A body closes such a source even if it never read it.
     *
     * @param <S> the source's type
     * @param name the argument's name, for the message if it is null
     * @param source the source
     * @return the opener
     */
    public static <S> Callable<S> given(String name, S source) {
        return new Given<>(Messages.MESSAGES.checkNotNull(name, source));
    }

    /**
     * The body of {@code StreamingBody.of(InputStream)} and {@code ofInputStream}.
     *
     * @param opener opens the stream, on the executor
     * @param length its length, or -1 if unknown
     * @return the body
     */
    public static StreamingBody inputStream(Callable<? extends InputStream> opener, long length) {
        return new InputStreamBody(opener, checkLength(length));
    }

    /**
     * The body of {@code StreamingBody.of(ReadableByteChannel)} and {@code ofChannel}.
     *
     * @param opener opens the channel, on the executor
     * @param length its length, or -1 if unknown
     * @return the body
     */
    public static StreamingBody channel(Callable<? extends ReadableByteChannel> opener, long length) {
        return new ChannelBody(opener, checkLength(length));
    }

    /**
     * The body of {@code StreamingBody.ofFile(Path)}: the file is opened on the executor, and its
     * size then is the body's length.
     *
     * @param path the file
     * @return the body
     */
    public static StreamingBody file(Path path) {
        Messages.MESSAGES.checkNotNull("path", path);
        return new FileBody(() -> FileChannel.open(path, StandardOpenOption.READ), 0, -1, path.toString());
    }

    /**
     * The body of {@code StreamingBody.ofFile(FileChannel, long, long)}.
     *
     * @param channel the file, already open
     * @param position where the body starts in it
     * @param count the body's length
     * @return the body
     */
    public static StreamingBody file(FileChannel channel, long position, long count) {
        if (position < 0) {
            throw Messages.MESSAGES.badValue("position", "at least 0", position);
        }
        if (count < 0) {
            throw Messages.MESSAGES.badValue("count", "at least 0", count);
        }
        return new FileBody(given("channel", channel), position, count, "FileChannel");
    }

    /**
     * The body of the {@code ofChunks} factories.
     *
     * @param opener opens the iterator of chunks, on the executor
     * @param charset encodes {@code CharSequence} chunks
     * @return the body
     */
    public static StreamingBody chunks(Callable<? extends Iterator<?>> opener, Charset charset) {
        Messages.MESSAGES.checkNotNull("charset", charset);
        return new ChunksBody(opener, charset);
    }

    /**
     * {@return an opener that calls {@code iterable.iterator()}}
     *
     * @param iterable gives the iterator
     */
    public static Callable<Iterator<?>> iterating(Iterable<?> iterable) {
        Messages.MESSAGES.checkNotNull("chunks", iterable);
        return iterable::iterator;
    }

    /**
     * {@return an opener that opens a stream and iterates it; closing the iterator closes the stream}
     *
     * @param opener opens the stream
     */
    public static Callable<Iterator<?>> streaming(Callable<? extends Stream<?>> opener) {
        Messages.MESSAGES.checkNotNull("opener", opener);
        if (opener instanceof Given) {
            return new Given<>(new StreamIterator(((Given<? extends Stream<?>>) opener).source));
        }
        return () -> new StreamIterator(open(opener, "stream"));
    }

    /** The opener of a source given already open. */
    private static final class Given<S> implements Callable<S> {
        final S source;

        Given(S source) {
            this.source = source;
        }

        @Override
        public S call() {
            return source;
        }
    }

    private static long checkLength(long length) {
        if (length < -1) {
            throw Messages.MESSAGES.badValue("length", "-1 (unknown) or at least 0", length);
        }
        return length;
    }

    static <S> S open(Callable<? extends S> opener, String what) throws IOException {
        S source;
        try {
            source = opener.call();
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        if (source == null) {
            throw Messages.MESSAGES.openerReturnedNull(what);
        }
        return source;
    }

    /**
     * What every adapter shares. Not thread-safe: the pump calls one method at a time.
     *
     * @param <S> the source type
     */
    abstract static class SourceBody<S> implements StreamingBody {
        private final Callable<? extends S> opener;
        private final long length;
        private final String kind;
        /** Read by {@link #cancel} on another thread. */
        private volatile S source;
        private boolean closed;
        /**
         * The source was closed, by {@link #close} or by {@link #cancel}, which may run at the same
         * time on two threads: whichever sets this closes it, the other does not.
         */
        private final AtomicBoolean sourceClosed = new AtomicBoolean();

        SourceBody(Callable<? extends S> opener, long length, String kind) {
            this.opener = Messages.MESSAGES.checkNotNull("opener", opener);
            this.length = length;
            this.kind = kind;
        }

        @Override
        public final int read(ByteBuffer dst) throws IOException {
            if (closed) {
                throw Messages.MESSAGES.bodyClosed(this);
            }
            S s = source;
            if (s == null) {
                s = source = open(opener, kind);
            }
            return read(s, dst);
        }

        abstract int read(S source, ByteBuffer dst) throws IOException;

        abstract void close(S source) throws IOException;

        @Override
        public long length() {
            return length;
        }

        @Override
        public final void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            S s = openOrGiven();
            source = null;
            closeOnce(s);
        }

        /**
         * Closes the source if it is open, from another thread, to end a read that blocks on it.
         * The pump then calls {@link #close}, which does not close it again.
         */
        @Override
        public final void cancel() throws IOException {
            closeOnce(openOrGiven());
        }

        /** Closes {@code s} unless it is null or the source was closed already. */
        private void closeOnce(S s) throws IOException {
            if (s != null && sourceClosed.compareAndSet(false, true)) {
                close(s);
            }
        }

        /** The source if it was opened, or if it was given open; else null. */
        private S openOrGiven() {
            S s = source;
            if (s == null && opener instanceof Given) {
                s = ((Given<? extends S>) opener).source;
            }
            return s;
        }

        @Override
        public String toString() {
            return length < 0 ? kind + " body" : kind + " body of " + length + " bytes";
        }
    }

    static final class InputStreamBody extends SourceBody<InputStream> {
        InputStreamBody(Callable<? extends InputStream> opener, long length) {
            super(opener, length, "InputStream");
        }

        /**
         * Reads into the buffer's array, or, for a buffer without one (the pool's direct buffers),
         * through an array lent for this read only ({@link TransferArrays}): a stream that waits
         * for its client holds none.
         */
        @Override
        int read(InputStream in, ByteBuffer dst) throws IOException {
            int pos = dst.position();
            if (dst.hasArray()) {
                int n = in.read(dst.array(), dst.arrayOffset() + pos, dst.remaining());
                if (n > 0) {
                    dst.position(pos + n);
                }
                return n;
            }
            int size = Math.min(dst.remaining(), MAX_TRANSFER);
            byte[] t = TransferArrays.take(size);
            try {
                int n = in.read(t, 0, size);
                if (n > 0) {
                    dst.put(t, 0, n);
                }
                return n;
            } finally {
                TransferArrays.give(t);
            }
        }

        @Override
        void close(InputStream in) throws IOException {
            in.close();
        }
    }

    static final class ChannelBody extends SourceBody<ReadableByteChannel> {
        ChannelBody(Callable<? extends ReadableByteChannel> opener, long length) {
            super(opener, length, "ReadableByteChannel");
        }

        @Override
        int read(ReadableByteChannel channel, ByteBuffer dst) throws IOException {
            return channel.read(dst);
        }

        @Override
        void close(ReadableByteChannel channel) throws IOException {
            channel.close();
        }
    }

    /**
     * A region of a file: read with positional reads (which leave the channel's own position
     * alone), and, where the sink allows it, sent by the pump straight from the file
     * ({@code FileChannel.transferTo}, sendfile on Linux) after the first chunk. Its end is fixed
     * when it is opened: a file that grows is sent as long as it was then, one that shrinks ends
     * early, which the pump fails as a body shorter than its length.
     */
    static final class FileBody extends SourceBody<FileChannel> {
        private final long start;
        private final String name;
        /** Where the region ends in the file; -1 until a path's file is opened. */
        private long end;
        /** The next byte to read or transfer. Reader role, then writer role (after the reader's last read). */
        private long position;
        /** The open channel, for the pump's transfers; set by the first read. */
        private FileChannel channel;

        FileBody(Callable<? extends FileChannel> opener, long start, long count, String name) {
            super(opener, count, "file");
            this.start = start;
            this.position = start;
            this.end = count < 0 ? -1 : start + count;
            this.name = name;
        }

        @Override
        int read(FileChannel ch, ByteBuffer dst) throws IOException {
            if (end < 0) {
                end = start + ch.size();
            }
            channel = ch;
            long left = end - position;
            if (left <= 0) {
                return -1;
            }
            int limit = dst.limit();
            if (dst.remaining() > left) {
                dst.limit(dst.position() + (int) left);
            }
            int n;
            try {
                n = ch.read(dst, position);
            } finally {
                dst.limit(limit);
            }
            if (n > 0) {
                position += n;
            }
            return n; // -1 before the end: the file shrank, and the pump fails the body as short
        }

        @Override
        public long length() {
            return end < 0 ? -1 : end - start;
        }

        /** The open file; null before the first read. */
        FileChannel channel() {
            return channel;
        }

        /** The next byte to send, as a position in the file. */
        long position() {
            return position;
        }

        /** The bytes left to send. */
        long remaining() {
            return end - position;
        }

        /** {@code n} more bytes were sent. */
        void advance(long n) {
            position += n;
        }

        /** Whether the file now ends before the region does: a transfer that took nothing cannot go on. */
        boolean shrank() throws IOException {
            return channel.size() < end;
        }

        @Override
        void close(FileChannel ch) throws IOException {
            ch.close();
        }

        @Override
        public String toString() {
            return "file body " + name + (end < 0 ? "" : " (" + (end - start) + " bytes)");
        }
    }

    /**
     * Chunks of {@code byte[]}, {@code ByteBuffer} or {@code CharSequence}. A read fills the buffer
     * from as many elements as fit, so that a source of small rows is not written a row at a time.
     */
    static final class ChunksBody extends SourceBody<Iterator<?>> {
        private final CharsetEncoder encoder;
        /** The element being copied: a byte[], a ByteBuffer or a CharBuffer; null between elements. */
        private Object pending;
        /** How far into {@code pending} the copy is (for byte[] and ByteBuffer). */
        private int offset;
        /** Whether {@code pending} chars are all encoded and only the encoder's flush is left. */
        private boolean flushing;
        /** Whether {@code pending} chars are encoded and flushed (the spill may still hold some). */
        private boolean encoded;
        /** Encoded bytes of a character that did not fit in the caller's buffer. */
        private ByteBuffer spill;
        private long index;

        ChunksBody(Callable<? extends Iterator<?>> opener, Charset charset) {
            super(opener, -1, "chunks");
            this.encoder = charset.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
        }

        @Override
        int read(Iterator<?> chunks, ByteBuffer dst) {
            int start = dst.position();
            while (dst.hasRemaining()) {
                if (pending == null) {
                    if (!chunks.hasNext()) {
                        break;
                    }
                    pending = element(chunks.next());
                    offset = 0;
                }
                if (copy(dst)) {
                    pending = null;
                }
            }
            int n = dst.position() - start;
            return n == 0 ? -1 : n;
        }

        private Object element(Object next) {
            long i = index++;
            if (next instanceof byte[] || next instanceof ByteBuffer) {
                return next;
            }
            if (next instanceof CharSequence) {
                encoder.reset();
                flushing = false;
                encoded = false;
                return CharBuffer.wrap((CharSequence) next);
            }
            throw Messages.MESSAGES.badChunk(i, next == null ? "null" : next.getClass().getName());
        }

        /** Copies from {@code pending} into {@code dst}; true when the element is used up. */
        private boolean copy(ByteBuffer dst) {
            if (pending instanceof byte[]) {
                byte[] a = (byte[]) pending;
                int n = Math.min(a.length - offset, dst.remaining());
                dst.put(a, offset, n);
                offset += n;
                return offset == a.length;
            }
            if (pending instanceof ByteBuffer) {
                ByteBuffer b = (ByteBuffer) pending;
                int n = Math.min(b.remaining() - offset, dst.remaining());
                dst.put(dst.position(), b, b.position() + offset, n);
                dst.position(dst.position() + n);
                offset += n;
                return offset == b.remaining();
            }
            return copyChars((CharBuffer) pending, dst);
        }

        /**
         * Encodes into {@code dst}; where {@code dst} has too little room left for a whole
         * character, into the spill buffer first, so that a character can straddle two reads.
         */
        private boolean copyChars(CharBuffer chars, ByteBuffer dst) {
            boolean viaSpill = dst.remaining() < SPILL;
            for (;;) {
                if (spill != null && spill.hasRemaining()) {
                    int n = Math.min(spill.remaining(), dst.remaining());
                    dst.put(dst.position(), spill, spill.position(), n);
                    dst.position(dst.position() + n);
                    spill.position(spill.position() + n);
                    if (spill.hasRemaining()) {
                        return false;
                    }
                }
                if (encoded) {
                    return true;
                }
                ByteBuffer target = viaSpill ? spill() : dst;
                int before = target.position();
                CoderResult r = flushing ? encoder.flush(target) : encoder.encode(chars, target, true);
                if (viaSpill) {
                    target.flip();
                }
                if (r.isUnderflow()) {
                    encoded = flushing;
                    flushing = true;
                } else if (!viaSpill) {
                    if (target.position() != before) {
                        return false; // dst is full; the next read goes on from here
                    }
                    viaSpill = true;
                }
            }
        }

        private ByteBuffer spill() {
            if (spill == null) {
                spill = ByteBuffer.allocate(SPILL);
            }
            return spill.clear();
        }

        @Override
        void close(Iterator<?> chunks) throws IOException {
            if (chunks instanceof AutoCloseable) {
                try {
                    ((AutoCloseable) chunks).close();
                } catch (IOException | RuntimeException | Error e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
        }
    }

    /** Iterates a stream; closing it closes the stream, iterated or not. */
    private static final class StreamIterator implements Iterator<Object>, AutoCloseable {
        private final Stream<?> stream;
        /** Made on the first use, on the executor: for a given stream, not on the IO thread. */
        private Iterator<?> iterator;

        StreamIterator(Stream<?> stream) {
            this.stream = stream;
        }

        private Iterator<?> iterator() {
            Iterator<?> i = iterator;
            if (i == null) {
                i = iterator = stream.iterator();
            }
            return i;
        }

        @Override
        public boolean hasNext() {
            return iterator().hasNext();
        }

        @Override
        public Object next() {
            return iterator().next();
        }

        @Override
        public void close() {
            stream.close();
        }
    }
}
