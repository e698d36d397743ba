package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.Waits;
import io.undertow.server.handlers.BlockingHandler;

/**
 * Transparent mode behind a listener with read and write timeouts, as every WildFly listener has
 * (90 s each by default; seconds here): a blocked writer or reader parks, each timeout keeps its
 * meaning (no progress for that long: the waiting thread gets an {@code IOException}, the client
 * sees the connection closed or the stream reset), a client that keeps going is never dropped, and
 * an interrupted wait throws at once. Over the four protocols, with curl; a client that stops is a
 * curl stopped with SIGSTOP, its connection left open. Platform threads as the dispatch executor,
 * so that Java 17 runs it too: the parked wait does not depend on the thread being virtual.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class TransparentModeTimeoutsTest extends ContractTestBase {

    /** The listener's read and write timeout of the tests that wait for it. */
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final long BIG = 32L << 20;
    /**
     * The timeouts of the tests whose clients keep going, at a rate a few times the body per
     * timeout. More than a second: curl's {@code --limit-rate} over HTTP/2 takes a burst of its
     * window at once, then reads nothing for about a second to keep its average (seen here:
     * 2.2 MB in 0.1 s, then a pause), and Undertow itself resets a stream whose frame waits for
     * the client's window longer than the write timeout ({@code AbstractFramedStreamSinkChannel}'s
     * flush timeout), with the library or without. Only the timeout of the direction under test:
     * the other is WildFly's, since Undertow's read timeout on an HTTP/2 connection closes the
     * whole connection when the client sends no frame for that long, mid-download too (seen once
     * here with a 3 s read timeout: curl, with a large window, sent nothing for 3 s).
     */
    private static final Duration KEEP_GOING_TIMEOUT = Duration.ofSeconds(3);
    /** WildFly's default read and write timeout of every listener. */
    private static final Duration WILDFLY_TIMEOUT = Duration.ofSeconds(90);

    private final ExecutorService dispatch = Executors.newCachedThreadPool();
    /** What each writer or reader ended with: its failure (or null), when, and its thread. */
    private final BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
    /** Request body bytes the reader route has read so far. */
    private final AtomicLong uploaded = new AtomicLong();

    record Outcome(Throwable failure, long endedNanos, boolean interruptKept, long threadCpuNanos) {
    }

    @AfterEach
    void stopDispatch() {
        dispatch.shutdownNow();
    }

    /** A server whose listener has these timeouts, with the writer and reader routes. */
    private void listenerTimeouts(Duration read, Duration write) {
        server.close();
        server = EdgeServer.start(b -> b.setSocketOption(Options.SEND_BUFFER, 16 * 1024)
                .setServerOption(io.undertow.UndertowOptions.MAX_ENTITY_SIZE, -1L)
                .setSocketOption(Options.READ_TIMEOUT, (int) read.toMillis())
                .setSocketOption(Options.WRITE_TIMEOUT, (int) write.toMillis()));
        StreamingOptions options = StreamingOptions.builder().dispatch(dispatch).build();
        server.route("/write", new AsyncStreamingHandler(new BlockingHandler(exchange -> {
            long size = Long.parseLong(exchange.getQueryParameters().get("size").getFirst());
            boolean interrupted = exchange.getQueryParameters().containsKey("interrupt");
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            OutputStream out = exchange.getOutputStream();
            try (InputStream in = Pattern.stream(size)) {
                in.transferTo(out);
                out.close();
                outcomes.add(outcome(null));
            } catch (IOException | RuntimeException e) {
                outcomes.add(outcome(e));
                throw e;
            }
        }), options));
        server.route("/read", new AsyncStreamingHandler(new BlockingHandler(exchange -> {
            byte[] b = new byte[16 * 1024];
            long n = 0;
            try (InputStream in = exchange.getInputStream()) {
                for (int r; (r = in.read(b)) >= 0; ) {
                    n += r;
                    uploaded.addAndGet(r);
                }
                outcomes.add(outcome(null));
            } catch (IOException | RuntimeException e) {
                outcomes.add(outcome(e));
                throw e;
            }
            exchange.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString("X-Read"), n);
            exchange.getOutputStream().write("ok".getBytes(StandardCharsets.US_ASCII));
        }), options));
    }

    private static Outcome outcome(Throwable failure) {
        Thread t = Thread.currentThread();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return new Outcome(failure, System.nanoTime(), t.isInterrupted(), threads.getThreadCpuTime(t.getId()));
    }

    private Outcome nextOutcome(Duration deadline, String what) throws InterruptedException {
        Outcome o = outcomes.poll(deadline.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(o, () -> what + " did not end within " + deadline.toMillis() + " ms");
        return o;
    }

    private void assertServerSettled(Protocol protocol, String path) {
        server.assertSaw(protocol, path);
        server.assertExchangesCompleted(SETTLE);
        server.assertLimiterFree();
        server.assertBuffersBack(SETTLE);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aClientThatKeepsReadingSlowlyIsNeverDroppedByTheListenersWriteTimeout(Protocol protocol) throws Exception {
        listenerTimeouts(WILDFLY_TIMEOUT, KEEP_GOING_TIMEOUT);
        long size = 8L << 20;
        Curl.Result r = curl(protocol, "/write?size=" + size).limitRate("2M").maxTime(Duration.ofSeconds(30)).run();
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(Pattern.digest(size), r.digest(), r::toString);
        assertNull(nextOutcome(Duration.ofSeconds(5), "the writer").failure());
        assertServerSettled(protocol, "/write");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aClientThatStopsReadingIsDroppedAfterTheListenersWriteTimeoutAndTheBlockedWriterGetsAnIOException(
            Protocol protocol) throws Exception {
        listenerTimeouts(TIMEOUT, TIMEOUT);
        Curl.Running c = curl(protocol, "/write?size=" + BIG).maxTime(Duration.ofSeconds(60)).start();
        Waits.await(() -> bytesSoFar(c) >= 64 * 1024, Duration.ofSeconds(20), () -> "curl got no 64 KiB");
        c.pause();
        long stopped = System.nanoTime();
        Outcome o = nextOutcome(TIMEOUT.plusSeconds(20), "the writer blocked on the stopped client");
        long after = o.endedNanos() - stopped;
        System.out.printf(Locale.ROOT, "[timeouts] %s: the writer failed %s after curl stopped reading: %s%n",
                protocol, Waits.seconds(after), o.failure());
        assertTrue(o.failure() instanceof IOException, () -> "the writer ended with " + o.failure());
        // a half: the wait may begin before curl stops, while an HTTP/2 frame waits for curl's next
        // WINDOW_UPDATE (seen: 1.875 s on the h2c-upgraded stream, with the timeout at 2 s)
        assertTrue(after >= TIMEOUT.toNanos() / 2, () -> "dropped " + Waits.seconds(after)
                + " after the client stopped: long before the write timeout of " + TIMEOUT.toMillis() + " ms");
        Curl.Result r = c.await();
        assertIncompleteSeen(r);
        assertTrue(r.bodyBytes() < BIG, r::toString);
        assertServerSettled(protocol, "/write");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aClientThatKeepsUploadingSlowlyIsNeverDroppedByTheListenersReadTimeout(Protocol protocol) throws Exception {
        assumeTrue(protocol != Protocol.H2C_UPGRADE, UPGRADE_WITH_BODY);
        listenerTimeouts(KEEP_GOING_TIMEOUT, WILDFLY_TIMEOUT);
        byte[] upload = Pattern.stream(6 << 20).readAllBytes();
        Curl.Result r = curl(protocol, "/read").post(upload).header("Expect:").limitRate("2M")
                .maxTime(Duration.ofSeconds(30)).run();
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(200, r.status(), r::toString);
        assertEquals(String.valueOf(upload.length), r.header("x-read"), r::toString);
        assertNull(nextOutcome(Duration.ofSeconds(5), "the reader").failure());
        assertServerSettled(protocol, "/read");
    }

    /** curl upgrades to h2c only requests without a body: an upload stays HTTP/1.1, already covered. */
    private static final String UPGRADE_WITH_BODY = "curl sends a request body over HTTP/1.1 and upgrades no such request";

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void anUploadThatStallsIsDroppedAfterTheListenersReadTimeoutAndTheBlockedReaderGetsAnIOException(
            Protocol protocol) throws Exception {
        assumeTrue(protocol != Protocol.H2C_UPGRADE, UPGRADE_WITH_BODY);
        listenerTimeouts(TIMEOUT, TIMEOUT);
        // paced, so that most of it is still to come when curl stops
        Curl.Running c = curl(protocol, "/read").post(Pattern.stream(BIG).readAllBytes()).header("Expect:").limitRate("2M")
                .maxTime(Duration.ofSeconds(60)).discardBody().start();
        Waits.await(() -> uploaded.get() >= 64 * 1024, Duration.ofSeconds(20), () -> "the server read no 64 KiB");
        c.pause();
        long stopped = System.nanoTime();
        Outcome o = nextOutcome(TIMEOUT.plusSeconds(20), "the reader blocked on the stopped client");
        long after = o.endedNanos() - stopped;
        System.out.printf(Locale.ROOT, "[timeouts] %s: the reader failed %s after curl stopped sending (%,d bytes read): %s%n",
                protocol, Waits.seconds(after), uploaded.get(), o.failure());
        assertTrue(o.failure() instanceof IOException, () -> "the reader ended with " + o.failure());
        assertTrue(after >= TIMEOUT.toNanos() / 2, () -> "dropped " + Waits.seconds(after)
                + " after the client stopped: long before the read timeout of " + TIMEOUT.toMillis() + " ms");
        Curl.Result r = c.await();
        assertTrue(r.exitCode() != 0 || r.status() != 200, () -> "curl saw the upload accepted: " + r);
        assertServerSettled(protocol, "/read");
    }

    /**
     * A thread interrupted while its write waits for the client: XNIO's own wait throws
     * {@code InterruptedIOException}; a parked wait must too, and keep the interrupt status,
     * instead of returning at once and being called again and again while the client is slow.
     * The writer is a platform thread, whose CPU time the JVM tells: at most a tenth of the
     * window in which the client would still be reading, and it ends within that window.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void anInterruptedWriterGetsInterruptedIOExceptionKeepsItsInterruptAndSpendsNoCpuWaiting(Protocol protocol)
            throws Exception {
        listenerTimeouts(Duration.ZERO, Duration.ZERO);
        assertEquals(0, curl(protocol, "/write?size=100000").run().exitCode()); // warm: nothing below is JIT
        nextOutcome(Duration.ofSeconds(5), "the warm-up writer");
        Duration window = Duration.ofSeconds(3);
        Curl.Running c = curl(protocol, "/write?interrupt&size=" + BIG).limitRate("256k")
                .maxTime(window.plusSeconds(5)).start();
        Outcome o = nextOutcome(window, "the interrupted writer (a spinning wait never ends while the client reads)");
        System.out.printf(Locale.ROOT, "[timeouts] %s: the interrupted writer ended with %s, interrupt kept %s, CPU %s%n",
                protocol, o.failure(), o.interruptKept(), Waits.seconds(o.threadCpuNanos()));
        assertTrue(o.failure() instanceof InterruptedIOException, () -> "the writer ended with " + o.failure());
        assertTrue(o.interruptKept(), "the interrupt status was cleared");
        assertTrue(o.threadCpuNanos() < window.toNanos() / 10, () -> "the writer spent "
                + Waits.seconds(o.threadCpuNanos()) + " of CPU");
        Curl.Result r = c.await();
        assertIncompleteSeen(r);
        assertServerSettled(protocol, "/write");
    }

    private static long bytesSoFar(Curl.Running c) {
        try {
            return c.bodyBytesSoFar();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
