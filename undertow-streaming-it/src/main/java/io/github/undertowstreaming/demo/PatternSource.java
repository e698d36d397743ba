package io.github.undertowstreaming.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

import io.undertow.server.HttpServerExchange;

/**
 * What {@code /bytes}, {@code /blocking/bytes} and {@code /sender/bytes} serve: {@code size}
 * pattern bytes, read from a blocking stream that returns at most {@code chunk} bytes a call and
 * sleeps {@code delayMs} before each call. One parse, one source, so the routes differ only in
 * how they move the bytes. Immutable.
 */
final class PatternSource {

    /** The largest body: 1 TiB. */
    static final long MAX_SIZE = 1L << 40;
    static final long DEFAULT_SIZE = 1L << 20;
    static final long MAX_CHUNK = 16L << 20;
    static final long DEFAULT_CHUNK = 16 << 10;
    static final long MAX_DELAY_MS = 60_000;

    private final long size;
    private final int chunk;
    private final long delayMs;

    private PatternSource(long size, int chunk, long delayMs) {
        this.size = size;
        this.chunk = chunk;
        this.delayMs = delayMs;
    }

    /** Parses {@code size}, {@code chunk} and {@code delayMs}; throws {@link BadRequest}. */
    static PatternSource parse(HttpServerExchange exchange, String route) {
        Params p = Params.of(exchange, route, "size", "chunk", "delayMs");
        return new PatternSource(
                p.whole("size", 0, MAX_SIZE, DEFAULT_SIZE),
                (int) p.whole("chunk", 1, MAX_CHUNK, DEFAULT_CHUNK),
                p.whole("delayMs", 0, MAX_DELAY_MS, 0));
    }

    long size() {
        return size;
    }

    int chunk() {
        return chunk;
    }

    /** Opens the blocking stream. Cheap; the reads are what block. */
    InputStream open() {
        Pattern.PatternStream s = Pattern.stream(size).maxRead(chunk);
        return delayMs == 0 ? s : new Delayed(s, delayMs);
    }

    /** A source that is slow to produce: sleeps before each read, as a remote store would. */
    private static final class Delayed extends InputStream {
        private final InputStream in;
        private final long delayMs;

        Delayed(InputStream in, long delayMs) {
            this.in = in;
            this.delayMs = delayMs;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                Thread.sleep(delayMs); // simulates the source's latency; nothing waits on it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the source was producing");
            }
            return in.read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
