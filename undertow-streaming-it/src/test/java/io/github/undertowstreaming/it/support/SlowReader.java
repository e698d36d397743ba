package io.github.undertowstreaming.it.support;

import io.github.undertowstreaming.demo.Pattern;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A client that reads a response at a set pace through a small socket buffer, so that the
 * server's socket really fills. Returns the body's SHA-256.
 */
public final class SlowReader implements Callable<String> {

    private final int port;
    private final String path;
    private final long bytesPerSecond;
    private final CountDownLatch started;
    private final boolean tls;

    public SlowReader(int port, String path, long bytesPerSecond, CountDownLatch started) {
        this(port, path, bytesPerSecond, started, false);
    }

    private SlowReader(int port, String path, long bytesPerSecond, CountDownLatch started, boolean tls) {
        this.port = port;
        this.path = path;
        this.bytesPerSecond = bytesPerSecond;
        this.started = started;
        this.tls = tls;
    }

    /** The same over TLS (HTTP/1.1), {@code port} being an HTTPS listener's. */
    public static SlowReader overTls(int port, String path, long bytesPerSecond, CountDownLatch started) {
        return new SlowReader(port, path, bytesPerSecond, started, true);
    }

    @Override
    public String call() throws Exception {
        try (RawHttp client = tls ? RawHttp.connectTls(port, 8 * 1024) : RawHttp.connect(port, 8 * 1024)) {
            client.get(path);
            if (client.status() != 200) {
                throw new IllegalStateException("status " + client.status());
            }
            InputStream body = client.body();
            MessageDigest md = Pattern.sha256();
            byte[] buf = new byte[4096];
            long total = 0;
            long t0 = System.nanoTime();
            boolean signalled = false;
            for (int n; (n = body.read(buf)) >= 0; ) {
                md.update(buf, 0, n);
                total += n;
                if (!signalled && total >= 64 * 1024) {
                    started.countDown();
                    signalled = true;
                }
                // pacing, not waiting for an event: stay at bytesPerSecond
                long due = t0 + TimeUnit.SECONDS.toNanos(1) * total / bytesPerSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        }
    }
}
