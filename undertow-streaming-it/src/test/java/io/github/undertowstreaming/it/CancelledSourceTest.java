package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.it.support.CloseRecorder;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;

/**
 * A factory's body whose read blocks on its source is cancelled (its source closed from another
 * thread, to end the read) when the stream fails meanwhile, and closed as usual once the read
 * returned: the source is closed exactly once, by whichever came first. Over the four protocols,
 * with the contract's checks.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class CancelledSourceTest extends ContractTestBase {

    private final BlockingQueue<CloseRecorder> sources = new LinkedBlockingQueue<>();

    private void route(String path, StreamingOptions options, int preface) {
        server.route(path, new AsyncStreamingHandler(exchange -> {
            CloseRecorder closes = new CloseRecorder("InputStream whose reads block after " + preface + " bytes");
            sources.add(closes);
            Streaming.send(exchange, StreamingBody.ofInputStream(() -> new StuckStream(preface, closes)));
        }, options));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void anInputStreamCancelledByTheReadTimeoutIsClosedOnce(Protocol protocol) throws Exception {
        route("/stuck", StreamingOptions.builder().readTimeout(Duration.ofMillis(300)).build(), 0);
        Curl.Result r = curl(protocol, "/stuck").maxTime(Duration.ofSeconds(10)).run();
        CloseRecorder source = take(sources);

        assertContract(source, null, protocol, "/stuck",
                () -> assertEquals(500, r.status(), () -> "status; " + r),
                () -> assertFalse(r.patternBody(), () -> "no body bytes; " + r));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void anInputStreamCancelledWhenTheClientGoesAwayIsClosedOnce(Protocol protocol) throws Exception {
        route("/stuck", StreamingOptions.defaults(), 32 * 1024);
        Curl.Result r = curl(protocol, "/stuck").maxTime(Duration.ofSeconds(1)).run();
        CloseRecorder source = take(sources);

        assertContract(source, null, protocol, "/stuck",
                () -> assertEquals(CURL_TIMEOUT, r.exitCode(), () -> "curl ran into its --max-time of 1 s; " + r),
                () -> assertEquals(200, r.status(), () -> "status; " + r));
    }

    /**
     * {@code preface} pattern bytes, then reads that block until the stream is closed, as a
     * socket's do: an interrupt does not end them (30 s at most, for the test's sake).
     */
    private static final class StuckStream extends InputStream {
        private final int preface;
        private final CloseRecorder closes;
        private final CountDownLatch closed = new CountDownLatch(1);
        private int position;

        StuckStream(int preface, CloseRecorder closes) {
            this.preface = preface;
            this.closes = closes;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position < preface) {
                int n = Math.min(len, preface - position);
                for (int i = 0; i < n; i++) {
                    b[off + i] = (byte) ((position + i) % 251);
                }
                position += n;
                return n;
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean interrupted = false;
            while (closed.getCount() > 0 && end - System.nanoTime() > 0) {
                try {
                    closed.await(end - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true; // a socket read ignores it too
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new IOException(closed.getCount() == 0 ? "the stream was closed while a read blocked"
                    : "the stream was not closed within 30 s");
        }

        @Override
        public void close() {
            closes.record();
            closed.countDown();
        }
    }
}
