package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.SlowLoad;
import io.github.undertowstreaming.it.support.TestBody;
import io.github.undertowstreaming.it.support.TestServer;
import io.github.undertowstreaming.servlet.ServletStreaming;
import io.undertow.Handlers;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.ServletContainer;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The servlet entry point, {@link ServletStreaming#send}, on embedded Undertow's servlet layer
 * (io.undertow:undertow-servlet 2.3.23.Final, WildFly 39's, on the core of the build): a servlet
 * deployment at {@code /app} behind the {@link io.github.undertowstreaming.it.support.EdgeServer}'s
 * request limiter and {@code AsyncStreamingHandler}, over HTTP/1.1, h2c and TLS h2, with curl.
 *
 * <p>Every test checks the failure-path tests' three things ({@link #assertContract}): what the
 * client saw; that the exchange completed (its completion listeners ran, and the limiter serves
 * two more requests); that the body was closed exactly once, not on an IO thread, with every
 * pooled buffer back. And one of the entry point's own: the servlet's async context completed
 * ({@code AsyncListener.onComplete}), once.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class ServletEntryPointTest extends ContractTestBase {

    /** The body the servlet sends next. */
    private volatile Supplier<TestBody> next;
    /** One entry per {@code AsyncListener.onComplete} of a streamed request. */
    private final BlockingQueue<String> completions = new LinkedBlockingQueue<>();
    /** What {@code ServletStreaming.send} threw in a servlet, if it threw. */
    private final BlockingQueue<RuntimeException> refusals = new LinkedBlockingQueue<>();
    private DeploymentManager deployment;

    @BeforeEach
    void deployTheServlets() throws ServletException {
        deployment = deploy("/app", new StreamServlet(this));
        server.route("/app", deployment.start());
    }

    @AfterEach
    void undeployTheServlets() {
        if (deployment != null) {
            try {
                deployment.stop();
            } catch (ServletException e) {
                throw new IllegalStateException(e);
            }
            deployment.undeploy();
        }
    }

    /** A deployment at {@code contextPath}: {@code servlet} at {@code /stream} (async) and at {@code /sync} (not async), and a ping. */
    private static DeploymentManager deploy(String contextPath, HttpServlet servlet) {
        DeploymentInfo info = Servlets.deployment()
                .setClassLoader(ServletEntryPointTest.class.getClassLoader())
                .setContextPath(contextPath)
                .setDeploymentName("entry-point" + contextPath.replace('/', '-'))
                .addServlets(
                        Servlets.servlet("stream", servlet.getClass(), new ImmediateInstanceFactory<>(servlet))
                                .addMapping("/stream").setAsyncSupported(true),
                        Servlets.servlet("sync", servlet.getClass(), new ImmediateInstanceFactory<>(servlet))
                                .addMapping("/sync"),
                        Servlets.servlet("ping", PingServlet.class).addMapping("/ping"));
        DeploymentManager manager = ServletContainer.Factory.newInstance().addDeployment(info);
        manager.deploy();
        return manager;
    }

    private void stream(Supplier<TestBody> bodies) {
        this.next = bodies;
    }

    private Executable asyncContextCompletedOnce() {
        return () -> {
            assertNotNull(completions.poll(SETTLE.toMillis(), TimeUnit.MILLISECONDS), "the async context's onComplete");
            assertEquals(null, completions.poll(100, TimeUnit.MILLISECONDS), "a second onComplete");
        };
    }

    /** Every protocol with a length unknown (chunked on HTTP/1.1); a known length once: the framing is the core tests' (EdgeCasesTest). */
    static Stream<Arguments> protocolsAndLengths() {
        return Stream.concat(Stream.of(Protocol.values()).map(p -> Arguments.of(p, TestBody.Length.UNKNOWN)),
                Stream.of(Arguments.of(Protocol.HTTP_1_1, TestBody.Length.KNOWN)));
    }

    @ParameterizedTest(name = "{0}, length {1}")
    @MethodSource("protocolsAndLengths")
    void aBodySentFromAServletArrivesWholeAndItsAsyncContextCompletes(Protocol protocol, TestBody.Length length) throws Exception {
        stream(() -> new TestBody("1 MB body from a servlet").size(1_000_000).maxRead(16 * 1024).length(length));
        Curl.Result r = curl(protocol, "/app/stream").run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/app/stream",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(protocol.curlVersion(), r.httpVersion(), () -> "HTTP version; " + r),
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertEquals("application/octet-stream", r.header("content-type"), () -> "the servlet's header; " + r),
                () -> assertEquals(Pattern.digest(1_000_000), r.digest(), () -> "body; " + r),
                asyncContextCompletedOnce());
    }

    /** HTTP/1.1, h2c (prior knowledge) and TLS h2: a body that fails at byte 300,000 of 1,000,000. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Protocol.class, names = {"HTTP_1_1", "H2C_PRIOR_KNOWLEDGE", "TLS_H2"})
    void aBodyThatFailsMidStreamIsSeenIncompleteAndTheAsyncContextCompletes(Protocol protocol) throws Exception {
        stream(() -> new TestBody("mid-stream failing body from a servlet").size(1_000_000).maxRead(16 * 1024)
                .failAt(300_000).length(TestBody.Length.UNKNOWN));
        Curl.Result r = curl(protocol, "/app/stream").maxTime(Duration.ofSeconds(5)).run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/app/stream",
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertIncompleteSeen(r),
                () -> assertTrue(r.bodyBytes() < 1_000_000, () -> "body bytes; " + r),
                asyncContextCompletedOnce());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Protocol.class, names = {"HTTP_1_1", "TLS_H2"})
    void aBodyThatFailsBeforeItsFirstByteGets500WithoutItsHeaders(Protocol protocol) throws Exception {
        stream(() -> new TestBody("body failing at once").size(1_000_000).failAt(0));
        Curl.Result r = curl(protocol, "/app/stream").run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/app/stream",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(500, r.status(), () -> "status; " + r),
                () -> assertEquals(null, r.header("content-type"), () -> "the failed body's headers are gone; " + r),
                () -> assertEquals(1, body.reads(), () -> "reads; " + body),
                asyncContextCompletedOnce());
    }

    /** A client that gives up while a read of the body blocks: the body is closed, the exchange and the async context complete. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Protocol.class, names = {"HTTP_1_1", "H2C_PRIOR_KNOWLEDGE", "TLS_H2"})
    void aClientThatGoesAwayWhileAReadBlocksGetsTheBodyClosedAndTheAsyncContextCompleted(Protocol protocol) throws Exception {
        stream(() -> new TestBody("body whose reads take 3 s").size(-1).maxRead(16 * 1024)
                .length(TestBody.Length.UNKNOWN).slowAfter(32 * 1024, Duration.ofSeconds(3)));
        Curl.Result r = curl(protocol, "/app/stream").maxTime(Duration.ofSeconds(1)).run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/app/stream",
                () -> assertEquals(CURL_TIMEOUT, r.exitCode(), () -> "curl ran into its --max-time of 1 s; " + r),
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertClosedSoonAfter(body, r.endedNanos(), "curl's exit"),
                asyncContextCompletedOnce());
    }

    @Test
    void aServletWithoutAsyncSupportIsToldSoAndTheBodyStaysTheCallersWhoClosesIt() throws Exception {
        stream(() -> new TestBody("body refused by a servlet without async support"));
        Curl.Result r = curl(Protocol.HTTP_1_1, "/app/sync").run();
        TestBody body = takeSent();

        RuntimeException e = refusals.poll(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(e, "ServletStreaming.send threw");
        assertTrue(e instanceof IllegalStateException && e.getMessage().startsWith("UTSTREAM0252: GET /app/sync cannot be streamed"),
                e.toString());
        assertContract(body.closes(), null, Protocol.HTTP_1_1, "/app/sync",
                () -> assertEquals(200, r.status(), () -> "the servlet answered itself; " + r),
                () -> assertEquals("not streamed".length(), r.bodyBytes(), () -> "the servlet's own body; " + r),
                () -> assertEquals(0, body.reads(), "reads of a refused body"));
    }

    @Test
    void sendOffTheRequestsThreadIsRefusedAndTheBodyStaysTheCallers() {
        TestBody body = new TestBody("body sent from no request");
        bodies.add(body);
        HttpServletRequest request = (HttpServletRequest) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> method.getName().equals("getMethod") ? "GET" : "/nowhere");
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ServletStreaming.send(request, body));
        assertTrue(e.getMessage().startsWith("UTSTREAM0251: "), e.getMessage());
        assertFalse(body.closes().isClosed(), "the body is still the caller's");
        body.close(); // the caller's, as the exception says
    }

    /**
     * Eight slow clients (256 KiB/s each, 512 KiB) of a servlet that streams through the entry point,
     * on a server with two worker threads: the servlet's thread returns at once, so a servlet that
     * needs a worker ({@code /ping}) answers while every download is in flight, and each arrives
     * byte-exact.
     */
    @Test
    void slowClientsOfTheEntryPointHoldNoWorkerWhileAServletAnswers() throws Exception {
        long size = 512L << 10;
        DeploymentManager patterns = deploy("", new PatternServlet(size));
        try (TestServer slow = TestServer.start(new AsyncStreamingHandler(patterns.start()),
                b -> b.setWorkerThreads(2).setSocketOption(Options.SEND_BUFFER, 16 * 1024))) {
            try (SlowLoad clients = SlowLoad.start(slow.httpPort(), "/stream", 8, 256 * 1024, slow.http("/ping"), "pong")) {
                long longest = clients.assertAnswersWhileInFlight(slow.http("/ping"), "pong", 3, () -> { });
                clients.assertAllFinishWith(Pattern.digest(size));
                System.out.printf("[servlet entry point] 8 slow clients, 2 workers: /ping answered within %d ms each%n", longest);
            }
        } finally {
            patterns.stop();
            patterns.undeploy();
        }
    }

    /** Streams the test's next body; {@code /sync} (no async support) answers "not streamed" when send refuses it. */
    public static final class StreamServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient ServletEntryPointTest test;

        StreamServlet(ServletEntryPointTest test) {
            this.test = test;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            TestBody body = test.next.get();
            test.bodies.add(body);
            test.sent.add(body);
            response.setContentType("application/octet-stream");
            try {
                ServletStreaming.send(request, body);
            } catch (IllegalStateException e) {
                test.refusals.add(e);
                body.close(); // still the caller's, as the exception says
                response.getWriter().write("not streamed");
                return;
            }
            request.getAsyncContext().addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    test.completions.add("complete");
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                    test.completions.add("timeout");
                }

                @Override
                public void onError(AsyncEvent event) {
                    // the failure contract answers; onComplete follows
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                    // not restarted
                }
            });
        }
    }

    /** {@code size} pattern bytes through the entry point, with their length. */
    public static final class PatternServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final long size;

        PatternServlet(long size) {
            this.size = size;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) {
            response.setContentType("application/octet-stream");
            ServletStreaming.send(request, StreamingBody.ofInputStream(() -> Pattern.stream(size), size));
        }
    }

    /** {@code pong}, on a worker. */
    public static final class PingServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.getWriter().write("pong");
        }
    }

}
