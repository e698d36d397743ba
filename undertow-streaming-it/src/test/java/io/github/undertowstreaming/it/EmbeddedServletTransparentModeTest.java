package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.SlowLoad;
import io.github.undertowstreaming.it.support.TestServer;
import io.undertow.server.HttpHandler;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.ServletContainer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Transparent mode in front of a plain {@code HttpServlet} on embedded Undertow: the servlet
 * deployment's handler ({@code DeploymentManager.start()}) wrapped outermost by
 * {@code AsyncStreamingHandler} with {@code dispatch=virtual}, which runs on the IO thread before
 * the servlet layer dispatches. The deployment sets no executor, so {@code ServletInitialHandler}
 * dispatches with {@code exchange.dispatch(null, ...)}, and Undertow runs the servlet on the
 * exchange's dispatch executor: the one the library set. The servlet's blocking writes
 * ({@code ServletOutputStreamImpl}) wait in {@code awaitWritable()} of the response channel,
 * which the library's wrapper parks.
 *
 * <p>Undertow 2.4 has no servlet module of its own (servlets moved to {@code io.undertow.ee},
 * whose {@code undertow-servlet} did not resolve from Maven Central for 2.4.4.Final); this runs
 * {@code io.undertow:undertow-servlet} 2.3.23.Final, the one WildFly 39 ships, on the core of the
 * build: 2.3.23.Final under the {@code undertow-2.3} profile, and 2.4.4.Final by default (a mix
 * Undertow does not promise; the embedded API used here works on it), so that the Java 25 build
 * runs it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedServletTransparentModeTest {

    @Test
    void slowClientsOfAPlainHttpServletOnVirtualThreadsHoldNeitherPlatformThreadsNorFileDescriptors() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later; skipped on "
                + Runtime.version().feature());
        DeploymentManager deployment = deploy();
        try {
            HttpHandler servlets = deployment.start();
            TransparentModeTest.assertParkedWaitsHoldNeitherPlatformThreadsNorDescriptors("transparent mode, HttpServlet",
                    TransparentModeTest.load(servlets, true), TransparentModeTest.load(servlets, false));
        } finally {
            deployment.stop();
            deployment.undeploy();
        }
    }

    @Test
    void aPlainHttpServletRunsOnTheLibrarysDispatchExecutorAndItsSlowClientsGetEveryByte() throws Exception {
        // platform threads, so that this runs on Java 17 too (and on the undertow-2.3 build, servlet
        // and core of one line): the parked wait does not depend on the thread being virtual
        java.util.concurrent.atomic.AtomicInteger serial = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService dispatch = java.util.concurrent.Executors.newCachedThreadPool(
                r -> new Thread(r, "servlet-dispatch-" + serial.incrementAndGet()));
        DeploymentManager deployment = deploy();
        THREADS.clear();
        try (TestServer server = TestServer.start(new AsyncStreamingHandler(deployment.start(),
                StreamingOptions.builder().dispatch(dispatch).build()),
                b -> b.setWorkerThreads(4).setSocketOption(Options.SEND_BUFFER, 16 * 1024))) {
            try (SlowLoad clients = SlowLoad.start(server.httpPort(), "/blocking", 4, 1L << 20, server.http("/ping"), "pong")) {
                clients.assertAllFinishWith(Pattern.digest(TransparentModeTest.SIZE));
            }
            assertEquals(5, THREADS.size(), "one warming /ping and four downloads: " + THREADS);
            assertTrue(THREADS.stream().allMatch(name -> name.startsWith("servlet-dispatch-")),
                    "every servlet call ran on the library's dispatch executor: " + THREADS);
        } finally {
            deployment.stop();
            deployment.undeploy();
            dispatch.shutdownNow();
        }
    }

    /** The threads the servlets ran on, in the test that looks at them. */
    private static final java.util.Queue<String> THREADS = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** A deployment of the two servlets, in a container of its own, with no executor. */
    private static DeploymentManager deploy() {
        DeploymentInfo info = Servlets.deployment()
                .setClassLoader(EmbeddedServletTransparentModeTest.class.getClassLoader())
                .setContextPath("")
                .setDeploymentName("transparent-mode-servlets")
                .addServlets(Servlets.servlet("blocking", BlockingServlet.class).addMapping("/blocking"),
                        Servlets.servlet("ping", PingServlet.class).addMapping("/ping"));
        ServletContainer container = ServletContainer.Factory.newInstance();
        DeploymentManager manager = container.addDeployment(info);
        manager.deploy();
        return manager;
    }

    /** Existing blocking code: copies a stream to the response, as a download servlet does. */
    public static final class BlockingServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            THREADS.add(Thread.currentThread().getName());
            response.setContentType("application/octet-stream");
            try (InputStream in = Pattern.stream(TransparentModeTest.SIZE); OutputStream out = response.getOutputStream()) {
                in.transferTo(out);
            }
        }
    }

    /** A route that needs a thread of the dispatch executor: it must answer while the downloads are slow. */
    public static final class PingServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            THREADS.add(Thread.currentThread().getName());
            response.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
        }
    }
}
