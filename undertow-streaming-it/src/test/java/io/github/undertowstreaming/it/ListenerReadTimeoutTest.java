package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.xnio.Options;

import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.RawHttp;
import io.github.undertowstreaming.it.support.TestBody;

/**
 * The listener's read timeout ({@code Options.READ_TIMEOUT}, which WildFly sets to 90 s on every
 * listener) and the stream's client watch, which reads a plain HTTP/1.1 connection while a body
 * read blocks, to notice a client that went away. The watch must neither arm that timeout nor
 * trip it: a healthy stream is never cut by it.
 *
 * <p>Plain HTTP/1.1 only: the watch reads no TLS connection and no HTTP/2 connection (it looks at
 * an HTTP/2 stream's channel, and leaves TLS to the next write), so there is nothing to arm there.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class ListenerReadTimeoutTest extends ContractTestBase {

    private static final long SIZE = 2L << 20;

    /**
     * The reproduction of issue 13, item 5: listener read timeout 2 s, a 2 MiB body whose first
     * read blocks 800 ms (the watch reads the connection once meanwhile), then fast reads, and a
     * client that takes about 512 KiB/s through a small receive buffer, so that the stream outlives
     * the timeout. The watch's read armed Undertow's ReadTimeoutStreamSourceConduit, which nothing
     * disarmed, and it closed the connection 2 s later, mid-body (704,512 bytes in three runs of three).
     */
    @Test
    void aSlowFirstReadDoesNotLetTheListenersReadTimeoutCutTheBodyLater() throws Exception {
        restart(2000);
        streamRoute("/slow-start", () -> new TestBody("2 MiB body whose first read takes 800 ms").size(SIZE)
                .maxRead(16 * 1024).slowFirstRead(Duration.ofMillis(800)));

        Received r = readPaced("/slow-start", 512 * 1024);
        assertWholeBody(r, "/slow-start");
    }

    /**
     * XNIO's own read timeout: a read of the connection that finds nothing, longer than
     * {@code READ_TIMEOUT} after the last bytes came in, throws {@code ReadTimeoutException}
     * ({@code NioSocketConduit.checkReadTimeout}). For the watch that says nothing about the
     * client, which is still there: a body read that blocks 2 s, with a read timeout of 1 s, must
     * not be taken for a client that went away.
     */
    @Test
    void aBodyReadThatBlocksLongerThanTheListenersReadTimeoutIsNotTakenForAGoneClient() throws Exception {
        restart(1000);
        streamRoute("/late", () -> new TestBody("64 KiB body whose first read takes 2 s").size(64 * 1024)
                .maxRead(16 * 1024).slowFirstRead(Duration.ofSeconds(2)));

        Received r = readPaced("/late", Long.MAX_VALUE);
        assertWholeBody(r, "/late");
    }

    /**
     * The watch still notices a client that went away while a read blocks, past the listener's
     * read timeout: a closed connection reads -1 before XNIO looks at the timeout.
     */
    @Test
    void aClientThatGoesAwayWhileAReadBlocksIsStillNoticedPastTheListenersReadTimeout() throws Exception {
        restart(1000);
        streamRoute("/stuck", () -> new TestBody("body whose reads take 3 s after 32 KiB").size(-1).maxRead(16 * 1024)
                .length(TestBody.Length.UNKNOWN).slowAfter(32 * 1024, Duration.ofSeconds(3)));
        Curl.Result r = curl(Protocol.HTTP_1_1, "/stuck").maxTime(Duration.ofMillis(1500)).run();
        TestBody body = takeSent();

        assertContract(body, Protocol.HTTP_1_1, "/stuck",
                () -> assertEquals(CURL_TIMEOUT, r.exitCode(), () -> "curl ran into its --max-time; " + r),
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertClosedSoonAfter(body, r.endedNanos(), "curl's exit"));
    }

    private void restart(int readTimeoutMillis) {
        server.close();
        server = EdgeServer.start(b -> b.setSocketOption(Options.READ_TIMEOUT, readTimeoutMillis)
                .setSocketOption(Options.SEND_BUFFER, 16 * 1024));
    }

    private void assertWholeBody(Received r, String path) throws InterruptedException {
        assertContract(takeSent(), Protocol.HTTP_1_1, path,
                () -> assertEquals(200, r.status, () -> "status; " + r),
                () -> assertNull(r.end, () -> "the body ended early; " + r),
                () -> assertEquals(r.expected, r.bytes, () -> "body bytes; " + r),
                () -> assertEquals(r.expected < 0 ? "no Content-Length" : Pattern.digest(r.expected), r.digest,
                        () -> "body digest; " + r));
    }

    /** GET {@code path} through an 8 KiB receive buffer, read at {@code bytesPerSecond} at most. */
    private Received readPaced(String path, long bytesPerSecond) throws IOException {
        Received r = new Received();
        MessageDigest md = Pattern.sha256();
        long t0 = System.nanoTime();
        try (RawHttp c = RawHttp.connect(server.httpPort(), 8 * 1024)) {
            c.get(path);
            r.status = c.status();
            r.expected = Long.parseLong(String.valueOf(c.header("content-length")));
            InputStream body = c.body();
            byte[] buf = new byte[4096];
            for (int n; (n = body.read(buf)) >= 0; ) {
                md.update(buf, 0, n);
                r.bytes += n;
                // pacing, not waiting for an event: stay at bytesPerSecond
                long wait = t0 + TimeUnit.SECONDS.toNanos(1) * r.bytes / bytesPerSecond - System.nanoTime();
                if (bytesPerSecond != Long.MAX_VALUE && wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        } catch (IOException e) {
            r.end = e;
        }
        r.elapsedNanos = System.nanoTime() - t0;
        r.digest = HexFormat.of().formatHex(md.digest());
        return r;
    }

    /** What the paced client saw. */
    private static final class Received {
        int status;
        long expected = -1;
        long bytes;
        String digest;
        IOException end;
        long elapsedNanos;

        @Override
        public String toString() {
            return "HTTP " + status + ", " + bytes + " of " + expected + " body bytes in "
                    + String.format("%.3f s", elapsedNanos / 1e9) + (end == null ? "" : ", then " + end);
        }
    }
}
