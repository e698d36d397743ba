package io.github.undertowstreaming.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.Connectors;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import io.undertow.server.handlers.RequestLimitingHandler;
import io.undertow.util.Protocols;
import io.undertow.util.SameThreadExecutor;

/**
 * A real Undertow on 127.0.0.1 (ephemeral HTTP and HTTPS ports, HTTP/2 enabled on both, so the
 * plain listener takes h2c by upgrade and by prior knowledge), with a {@link CountingPool}, two IO
 * threads, and this chain, outermost first:
 * <ol>
 *   <li>a recorder: counts exchanges in, adds an {@code ExchangeCompletionListener} to each that
 *       counts them out, and records how each came (protocol, TLS, h2c upgrade headers);</li>
 *   <li>{@code RequestLimitingHandler(1, 1)}: one request at a time, one queued, so a lost
 *       completion hangs the next request (and has the one after it refused with 503);</li>
 *   <li>{@code AsyncStreamingHandler} with the default options;</li>
 *   <li>the routes: {@code /ping} answers {@code pong} from the IO thread; tests add their own.</li>
 * </ol>
 * One server per test: a test that loses a permit must not poison the next.
 */
public final class EdgeServer implements AutoCloseable {

    /**
     * Deadline of each request {@link #assertLimiterFree} sends. A lost permit never comes back,
     * so this only has to outlast a stall of a loaded 2-core machine (a CI run once saw the
     * second ping of a pair, after the first was served, take over 1 s).
     */
    public static final Duration PING_DEADLINE = Duration.ofSeconds(3);

    /**
     * How long the h2c-upgraded first stream waits before the chain sees it. curl 7.88 fails with
     * "connection buffer size is too small to store data following HTTP Upgrade response header"
     * (exit 16) when more than 32 KiB of HTTP/2 frames arrive in the same read as the 101, which a
     * fast route causes; after this delay the 101 and Undertow's SETTINGS have been read alone.
     * Every route of every contract test gets it, the library's own code paths are unchanged.
     */
    public static final Duration UPGRADE_DELAY = Duration.ofMillis(100);

    /** How one exchange reached the handler chain. */
    public record Seen(String method, String path, String protocol, boolean secure, boolean upgradeHeaders) {
    }

    private final CountingPool pool = new CountingPool();
    private final PathHandler routes = Handlers.path();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AsyncStreamingHandler streaming;
    private final Undertow undertow;
    private final int httpPort;
    private final int httpsPort;

    private EdgeServer(int maxRequests, Consumer<Undertow.Builder> customize) {
        routes.addExactPath("/ping", exchange -> exchange.getResponseSender().send("pong"));
        streaming = new AsyncStreamingHandler(routes);
        HttpHandler limited = new RequestLimitingHandler(maxRequests, 1, streaming);
        HttpHandler recorder = exchange -> {
            started.incrementAndGet();
            seen.add(new Seen(exchange.getRequestMethod().toString(), exchange.getRequestPath(),
                    exchange.getProtocol().toString(), "https".equals(exchange.getRequestScheme()),
                    exchange.getRequestHeaders().contains("HTTP2-Settings")));
            exchange.addExchangeCompleteListener((ex, next) -> {
                completed.incrementAndGet();
                next.proceed();
            });
            if (exchange.getRequestHeaders().contains("HTTP2-Settings")) {
                // The h2c-upgraded first stream starts UPGRADE_DELAY after the 101, on the IO thread.
                exchange.dispatch(SameThreadExecutor.INSTANCE, () -> exchange.getIoThread().executeAfter(
                        () -> Connectors.executeRootHandler(limited, exchange), UPGRADE_DELAY.toMillis(),
                        TimeUnit.MILLISECONDS));
                return;
            }
            limited.handleRequest(exchange);
        };
        Undertow.Builder b = builder(pool).setHandler(recorder);
        customize.accept(b);
        undertow = b.build();
        undertow.start();
        httpPort = TestServer.port(undertow, "http");
        httpsPort = TestServer.port(undertow, "https");
    }

    /**
     * The server the contract tests and the soak share: HTTP and HTTPS on 127.0.0.1 with
     * ephemeral ports, HTTP/2 on both (h2c upgrade and prior knowledge, ALPN h2), 2 IO threads,
     * 8 workers, and {@code pool}.
     */
    public static Undertow.Builder builder(CountingPool pool) {
        return Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .addHttpsListener(0, "127.0.0.1", Tls.serverContext())
                .setIoThreads(2)
                .setWorkerThreads(8)
                .setByteBufferPool(pool)
                .setServerOption(UndertowOptions.ENABLE_HTTP2, true)
                .setSocketOption(Options.REUSE_ADDRESSES, true);
    }

    public static EdgeServer start() {
        return start(b -> { });
    }

    /** Starts a server; {@code customize} may change the builder (socket options, for one). */
    public static EdgeServer start(Consumer<Undertow.Builder> customize) {
        return new EdgeServer(1, customize);
    }

    /** A server whose limiter lets {@code maxRequests} requests run at once, for tests of concurrency. */
    public static EdgeServer start(int maxRequests, Consumer<Undertow.Builder> customize) {
        return new EdgeServer(maxRequests, customize);
    }

    /** Adds a route (a path prefix) behind the limiter and the streaming handler. */
    public EdgeServer route(String prefix, HttpHandler handler) {
        routes.addPrefixPath(prefix, handler);
        return this;
    }

    public URI uri(Protocol protocol, String pathAndQuery) {
        int port = protocol.isSecure() ? httpsPort : httpPort;
        return URI.create(protocol.scheme() + "://127.0.0.1:" + port + pathAndQuery);
    }

    public int httpPort() {
        return httpPort;
    }

    /**
     * This server's own stream counters (its handler's): unlike {@code Streaming.stats()}, which
     * sums every handler of the JVM, they see no stream of an earlier test's server.
     */
    public io.github.undertowstreaming.Streaming.Stats stats() {
        return streaming.statistics();
    }

    public CountingPool pool() {
        return pool;
    }

    public int started() {
        return started.get();
    }

    public int completed() {
        return completed.get();
    }

    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** The last exchange whose path starts with {@code prefix}. */
    public Seen lastSeen(String prefix) {
        for (int i = seen.size() - 1; i >= 0; i--) {
            if (seen.get(i).path().startsWith(prefix)) {
                return seen.get(i);
            }
        }
        fail("no exchange for " + prefix + " reached the server; seen: " + seen);
        return null;
    }

    /** Checks the last exchange for {@code prefix} came over {@code protocol}, as it claims. */
    public void assertSaw(Protocol protocol, String prefix) {
        Seen s = lastSeen(prefix);
        String expected = protocol.isHttp2() ? Protocols.HTTP_2_0_STRING : Protocols.HTTP_1_1_STRING;
        assertEquals(expected, s.protocol(), () -> "protocol the server saw for " + protocol + ": " + s);
        assertEquals(protocol.isSecure(), s.secure(), () -> "TLS the server saw for " + protocol + ": " + s);
        assertEquals(protocol == Protocol.H2C_UPGRADE, s.upgradeHeaders(),
                () -> "h2c upgrade headers (HTTP2-Settings) the server saw for " + protocol + ": " + s);
    }

    /** Waits until every exchange that entered the chain has run its completion listeners. */
    public void assertExchangesCompleted(Duration deadline) {
        Waits.await(() -> completed.get() >= started.get(), deadline,
                () -> "the completion listeners ran for " + completed + " of " + started
                        + " exchanges; the exchange never completed (seen: " + seen + ")");
    }

    /**
     * Sends two quick requests, one after the other, each with a deadline: both must be served.
     * With a permit lost, the first waits in the limiter's queue until its deadline.
     */
    public void assertLimiterFree() {
        for (int i = 1; i <= 2; i++) {
            int n = i;
            String response;
            // Each ping goes once every exchange that came in has completed. Undertow's RequestLimit
            // (2.3 and 2.4) loses a queued request otherwise: its completion listener polls the queue
            // outside the lock under which handleRequest decides to queue, then gives the permit back;
            // a request queued between the two waits until some other exchange completes (a CI run saw
            // the second ping wait out its deadline, right after the first was served). The recorder's
            // listener was added first, so it runs after RequestLimit's: once it has counted the
            // exchange, the permit is back. A completion that never comes still fails the ping.
            Waits.poll(() -> completed.get() >= started.get(), PING_DEADLINE);
            try {
                response = ping(PING_DEADLINE);
            } catch (SocketTimeoutException e) {
                fail("limiter check " + n + "/2: GET /ping got no response within " + PING_DEADLINE.toMillis()
                        + " ms; the RequestLimitingHandler's permit was never given back, or an IO thread is stuck; "
                        + ioThreads());
                return;
            } catch (IOException e) {
                fail("limiter check " + n + "/2: GET /ping failed: " + e);
                return;
            }
            assertTrue(response.startsWith("HTTP/1.1 200 "), () -> "limiter check " + n + "/2: " + response);
            assertTrue(response.endsWith("pong"), () -> "limiter check " + n + "/2: " + response);
        }
    }

    /** The stacks of the server's IO threads, for a failure message. */
    private static String ioThreads() {
        StringBuilder b = new StringBuilder("IO threads:");
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().contains("I/O")) {
                b.append("\n  ").append(t.getName()).append(' ').append(t.getState());
                for (int i = 0; i < Math.min(stack.length, 12); i++) {
                    b.append("\n    at ").append(stack[i]);
                }
            }
        });
        return b.toString();
    }

    /** Waits until every pooled buffer is back (call once the clients have ended). */
    public void assertBuffersBack(Duration deadline) {
        pool.assertAllBack(deadline);
    }

    /** One {@code GET /ping} over a fresh HTTP/1.1 connection that closes after it. */
    private String ping(Duration deadline) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", httpPort), (int) deadline.toMillis());
            s.getOutputStream().write(("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[1024];
            for (;;) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new SocketTimeoutException("deadline");
                }
                s.setSoTimeout((int) left);
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                b.write(buf, 0, n);
            }
            String r = b.toString(StandardCharsets.ISO_8859_1);
            assertFalse(r.isEmpty(), "GET /ping: the connection closed with no response");
            return r;
        }
    }

    @Override
    public void close() {
        undertow.stop();
    }
}
