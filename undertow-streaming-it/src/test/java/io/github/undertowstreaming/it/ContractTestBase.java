package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.xnio.Options;
import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.CloseRecorder;
import io.github.undertowstreaming.it.support.CountingPool;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.GivenSource;
import io.github.undertowstreaming.it.support.H2c;
import io.github.undertowstreaming.it.support.LogCapture;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.TestBody;
import io.github.undertowstreaming.it.support.Tls;
import io.github.undertowstreaming.it.support.Waits;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;

/**
 * What the contract tests share: one {@link EdgeServer} per test, routes that send recorded
 * bodies, curl over the four protocols, and {@link #assertContract}: what the client saw, that
 * the exchange completed and the limiter is free, and that the body was closed exactly once, not
 * on an IO thread, with every pooled buffer back.
 */
abstract class ContractTestBase {

    /**
     * Once the client has ended, how long the server has to settle: close the body, complete the
     * exchange, give every buffer back (one deadline for all three).
     */
    static final Duration SETTLE = Duration.ofSeconds(1);
    /** curl's exit code when its --max-time passed: it hung, nothing told it the body ended. */
    static final int CURL_TIMEOUT = 28;

    EdgeServer server;
    final List<TestBody> bodies = new CopyOnWriteArrayList<>();
    final BlockingQueue<TestBody> sent = new LinkedBlockingQueue<>();

    @BeforeEach
    void startServer() {
        server = EdgeServer.start();
    }

    @AfterEach
    void stopServer() {
        bodies.forEach(TestBody::release);
        if (server != null) {
            server.close();
        }
    }

    static void assertIncompleteSeen(Curl.Result r) {
        assertNotEquals(0, r.exitCode(), () -> "curl saw a complete-looking response; " + r);
        assertNotEquals(CURL_TIMEOUT, r.exitCode(),
                () -> "curl hung until its --max-time: nothing told it the body was incomplete; " + r);
    }

    void assertContract(TestBody body, Protocol protocol, String path, Executable... clientView) {
        assertContract(body.closes(), body, protocol, path, clientView);
    }

    /**
     * What the client saw, then: the request came over {@code protocol} (if given); the body was
     * closed exactly once, not on an IO thread, and not read after; the exchange completed; the
     * limiter serves two more requests; every pooled buffer is back. The waits share one deadline,
     * {@link #SETTLE} from now: the client has ended, so the server has had its answer.
     */
    void assertContract(CloseRecorder closes, TestBody body, Protocol protocol, String path,
            Executable... clientView) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        List<Executable> checks = new ArrayList<>(List.of(clientView));
        if (protocol != null) {
            checks.add(() -> server.assertSaw(protocol, path));
        }
        checks.add(() -> closes.assertClosedOnceNotOnIoThread(Waits.until(deadline)));
        if (body != null) {
            checks.add(body::assertNoReadAfterClose);
        }
        boolean[] completed = new boolean[1];
        checks.add(() -> {
            server.assertExchangesCompleted(Waits.until(deadline));
            completed[0] = true;
        });
        checks.add(() -> {
            // without a completion the permit is surely still taken: not worth another second
            if (completed[0]) {
                server.assertLimiterFree();
            }
        });
        checks.add(() -> server.assertBuffersBack(Waits.until(Math.max(deadline, System.nanoTime()
                + TimeUnit.MILLISECONDS.toNanos(200)))));
        checks.add(closes::assertClosedAtMostOnce);
        assertAll("the failure contract", checks.stream());
    }

    /** The body is closed within 1 s of {@code clientEnd}; prints how long it took. */
    static void assertClosedSoonAfter(TestBody body, long clientEnd, String event) {
        long deadline = clientEnd + TimeUnit.SECONDS.toNanos(1);
        Waits.poll(body.closes()::isClosed, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        assertTrue(body.closes().isClosed(), () -> body + " not closed within 1 s of " + event
                + "; its blocked read had started " + Waits.seconds(clientEnd - body.lastReadStartNanos())
                + " before " + event);
        long late = body.closes().firstCloseNanos() - clientEnd;
        System.out.printf(Locale.ROOT, "[edge] %s closed %s after %s%n", body, Waits.seconds(late), event);
        assertTrue(late <= TimeUnit.SECONDS.toNanos(1),
                () -> "the body was closed " + Waits.seconds(late) + " after " + event + ", not within 1 s");
    }

    // ---- plumbing ----

    Curl curl(Protocol protocol, String path) {
        return Curl.to(protocol, server.uri(protocol, path));
    }

    /** A route that sends a fresh body from {@code bodies} per request. */
    void streamRoute(String path, Supplier<TestBody> factory) {
        server.route(path, exchange -> send(exchange, factory.get()));
    }

    void send(HttpServerExchange exchange, TestBody body) {
        bodies.add(body);
        sent.add(body);
        Streaming.send(exchange, body);
    }

    TestBody takeSent() throws InterruptedException {
        return take(sent);
    }

    static <T> T take(BlockingQueue<T> q) throws InterruptedException {
        T t = q.poll(2, TimeUnit.SECONDS);
        assertTrue(t != null, "the route was never called");
        return t;
    }

}
