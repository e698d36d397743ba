package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xnio.Options;

import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.TestBody;
import io.github.undertowstreaming.it.support.Waits;

/**
 * A client that reads 16 KiB and stops (curl stopped with SIGSTOP, its connection open): once its
 * stream has waited half a second, it keeps only the pooled buffers that hold unsent bytes, and
 * the pool has no other buffer out than those (see Pump.compact). When the client reads again the
 * body arrives byte-exact and the exchange completes. Over HTTP/2 this ended, about once in ten
 * runs, with curl holding every byte and the exchange not completed: the stream waited in its
 * final flush for a write-ready event that Undertow's stream channel never sent, until
 * {@code min-rate} dropped it (8 s later), or for ever without one. The client watch now tries
 * that flush again at each tick (Pump.retryFinalFlush); the exchange then completes within a tick.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class StalledStreamsTest extends ContractTestBase {

    /**
     * What Undertow itself keeps from the pool for a stalled response, as seen here: nothing over
     * HTTP/1.1; over HTTP/2 (h2c and TLS alike) two buffers of its framed channel, the stream's
     * pending DATA frame and the connection's write buffer.
     */
    private static int undertowsOwn(Protocol protocol) {
        return protocol.isHttp2() ? 2 : 0;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aStreamWhoseClientStoppedKeepsOnlyBuffersWithUnsentBytesAndStillEndsWhole(Protocol protocol) throws Exception {
        server.close();
        server = EdgeServer.start(b -> b.setSocketOption(Options.SEND_BUFFER, 16 * 1024));
        long size = 8L << 20;
        streamRoute("/stops", () -> new TestBody("body of a client that stops").size(size).maxRead(16 * 1024)
                .length(TestBody.Length.KNOWN));
        Curl.Running running = curl(protocol, "/stops").limitRate("4m").maxTime(Duration.ofSeconds(40)).start();
        Waits.await(() -> bytes(running) >= 16 * 1024, Duration.ofSeconds(10), () -> "curl got no 16 KiB");
        running.pause();
        try {
            Waits.await(() -> server.stats().waitingForClients() == 1
                    && server.stats().longestWait().toMillis() > 1_200,
                    Duration.ofSeconds(15), () -> "the stream never waited 1.2 s for its client: " + server.stats());
            long held = server.stats().bytesHeldWaiting();
            long out = server.pool().outstanding();
            System.out.printf("[stalled] %s: the stream holds %,d bytes, the pool has %d buffers out%n", protocol, held, out);
            assertTrue(held <= 32 * 1024, () -> "more than a chunk's buffers: " + server.stats());
            long streams = held / (16 * 1024);
            assertTrue(out <= streams + undertowsOwn(protocol), () -> "pooled buffers out while the only stream is"
                    + " stalled: " + out + ", of which the stream's " + streams + " and Undertow's " + undertowsOwn(protocol));
        } finally {
            running.resume();
        }
        Curl.Result r = running.await();
        TestBody body = takeSent();
        assertContract(body, protocol, "/stops",
                () -> assertEquals(0, r.exitCode(), r::toString),
                () -> assertEquals(size, r.bodyBytes(), r::toString),
                () -> assertEquals(Pattern.digest(size), r.digest(), r::toString));
    }

    private static long bytes(Curl.Running running) {
        try {
            return running.bodyBytesSoFar();
        } catch (IOException e) {
            return 0;
        }
    }
}
