package io.github.undertowstreaming.demo;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The body of the demo, the benchmark and the tests: byte {@code i} is {@code i % 251}, so any
 * lost, repeated or reordered byte shows. Bodies are checked by SHA-256, never held in memory.
 */
public final class Pattern {

    private static final int PERIOD = 251;
    /** Many periods back to back, so a read is one or two array copies. */
    private static final byte[] TABLE = new byte[PERIOD * 261];
    private static final Map<Long, String> DIGESTS = new ConcurrentHashMap<>();

    static {
        for (int i = 0; i < TABLE.length; i++) {
            TABLE[i] = (byte) (i % PERIOD);
        }
    }

    private Pattern() {
    }

    /** A stream of {@code size} pattern bytes (or endless if size is negative). */
    public static PatternStream stream(long size) {
        return new PatternStream(size, Integer.MAX_VALUE);
    }

    /** The SHA-256 of the first {@code size} pattern bytes, as hex. */
    public static String digest(long size) {
        return DIGESTS.computeIfAbsent(size, s -> {
            try {
                return digest(stream(s));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Reads {@code in} to its end and returns its SHA-256 as hex. */
    public static String digest(InputStream in) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) >= 0; ) {
            md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A blocking source of pattern bytes that counts its reads and records its close. */
    public static final class PatternStream extends InputStream {
        private final long size;
        private final int maxRead;
        private long position;
        private volatile boolean closed;
        private volatile long readsAfterClose;

        PatternStream(long size, int maxRead) {
            this.size = size;
            this.maxRead = maxRead;
        }

        /** At most {@code max} bytes a read, as a socket-backed stream would do. */
        public PatternStream maxRead(int max) {
            return new PatternStream(size, max);
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (closed) {
                readsAfterClose++;
            }
            long left = size < 0 ? Long.MAX_VALUE : size - position;
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(Math.min(len, maxRead), left);
            int done = 0;
            while (done < n) {
                int start = (int) ((position + done) % PERIOD);
                int k = Math.min(n - done, TABLE.length - start);
                System.arraycopy(TABLE, start, b, off + done, k);
                done += k;
            }
            position += n;
            return n;
        }

        @Override
        public void close() {
            closed = true;
        }

        public boolean isClosed() {
            return closed;
        }

        public long position() {
            return position;
        }

        public long readsAfterClose() {
            return readsAfterClose;
        }
    }
}
