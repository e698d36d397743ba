package io.github.undertowstreaming.it.support;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

import io.github.undertowstreaming.StreamingBody;

/**
 * The factories of {@link StreamingBody} that take a source already open, each over a source
 * whose close is recorded: the contract says such a source is closed even if never read.
 */
public enum GivenSource {
    /** {@code StreamingBody.of(InputStream)}. */
    INPUT_STREAM {
        @Override
        public StreamingBody body(CloseRecorder closes) {
            return StreamingBody.of(new ByteArrayInputStream(BYTES) {
                @Override
                public void close() {
                    closes.record();
                }
            });
        }
    },
    /** {@code StreamingBody.of(ReadableByteChannel)}. */
    CHANNEL {
        @Override
        public StreamingBody body(CloseRecorder closes) {
            return StreamingBody.of(new ReadableByteChannel() {
                private final ByteBuffer source = ByteBuffer.wrap(BYTES);
                private volatile boolean open = true;

                @Override
                public int read(ByteBuffer dst) {
                    if (!source.hasRemaining()) {
                        return -1;
                    }
                    int n = Math.min(dst.remaining(), source.remaining());
                    dst.put(source.slice().limit(n));
                    source.position(source.position() + n);
                    return n;
                }

                @Override
                public boolean isOpen() {
                    return open;
                }

                @Override
                public void close() {
                    open = false;
                    closes.record();
                }
            });
        }
    },
    /** {@code StreamingBody.ofChunks(Iterator)} of an iterator that is also {@link AutoCloseable}. */
    CLOSEABLE_ITERATOR {
        @Override
        public StreamingBody body(CloseRecorder closes) {
            return StreamingBody.ofChunks(new CloseableIterator(closes));
        }
    },
    /** {@code StreamingBody.ofChunks(Stream)} of a stream with an {@code onClose} hook. */
    STREAM_WITH_ON_CLOSE {
        @Override
        public StreamingBody body(CloseRecorder closes) {
            return StreamingBody.ofChunks(Stream.of((Object) BYTES).onClose(closes::record));
        }
    };

    /** The bytes of every source: 1000 pattern bytes. */
    public static final byte[] BYTES = new byte[1000];

    static {
        for (int i = 0; i < BYTES.length; i++) {
            BYTES[i] = (byte) (i % 251);
        }
    }

    /** A body over a fresh source of this kind, open already, whose close goes to {@code closes}. */
    public abstract StreamingBody body(CloseRecorder closes);

    private static final class CloseableIterator implements Iterator<Object>, AutoCloseable {
        private final Iterator<Object> chunks = List.<Object>of(BYTES).iterator();
        private final CloseRecorder closes;

        CloseableIterator(CloseRecorder closes) {
            this.closes = closes;
        }

        @Override
        public boolean hasNext() {
            return chunks.hasNext();
        }

        @Override
        public Object next() {
            return chunks.next();
        }

        @Override
        public void close() {
            closes.record();
        }
    }
}
