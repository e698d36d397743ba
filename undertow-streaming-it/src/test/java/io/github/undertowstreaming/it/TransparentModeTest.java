package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.SlowLoad;
import io.github.undertowstreaming.it.support.TestServer;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.server.handlers.builder.PredicatedHandlersParser;

/**
 * Transparent mode: existing blocking code ({@code BlockingHandler} writing to
 * {@code getOutputStream()}) dispatched to virtual threads by {@code dispatch=virtual}, its waits
 * for the socket parked instead of selecting. On Java 17 the option fails at configuration.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransparentModeTest {

    private static final long SIZE = 4L << 20;
    private static final long PACE = 1L << 20; // bytes per second per client: about 4 s a body
    private static final int CLIENTS = 64;

    @Test
    void dispatchVirtualFailsAtConfigurationOnAJvmWithoutVirtualThreads() {
        assumeTrue(Runtime.version().feature() < 21, "this JVM has virtual threads");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PredicatedHandlersParser.parseHandler("async-streaming(dispatch=virtual)",
                        getClass().getClassLoader()).wrap(exchange -> { }));
        assertTrue(e.getMessage().contains("dispatch=virtual") && e.getMessage().contains("Java "
                + Runtime.version().feature()) && e.getMessage().contains("Java 21"), e.getMessage());
        assertThrows(IllegalArgumentException.class, StreamingOptions::virtualThreads);
        new AsyncStreamingHandler(exchange -> { }).setDispatch("worker"); // the default needs nothing
    }

    @Test
    void slowClientsOfABlockingRouteOnVirtualThreadsHoldNeitherPlatformThreadsNorFileDescriptors() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later; skipped on "
                + Runtime.version().feature());
        Load library = load(true);
        Load baseline = load(false);
        System.out.printf("transparent mode, %d slow clients: library %s | plain setDispatchExecutor %s%n",
                CLIENTS, library, baseline);
        // every connection costs two descriptors here (server and client are one process); the
        // library's parked waits add none, XNIO's selector per waiting thread adds two each (epoll, eventfd)
        assertTrue(library.peakFds - library.idleFds <= 2 * CLIENTS + 16, "library: " + library);
        assertTrue(baseline.peakFds - baseline.idleFds > library.peakFds - library.idleFds + CLIENTS / 2,
                "the baseline should show the selectors' descriptors: " + baseline + " vs " + library);
        // carriers are the only platform threads virtual threads use
        assertTrue(library.peakThreads - library.idleThreads <= Runtime.getRuntime().availableProcessors() + 4,
                "library: " + library);
    }

    /** What one load saw: descriptors and platform threads, idle and at the peak. */
    private static final class Load {
        long idleFds;
        long peakFds;
        long idleThreads;
        long peakThreads;

        @Override
        public String toString() {
            return "fds " + idleFds + " idle, " + peakFds + " peak; platform threads (server side) " + idleThreads
                    + " idle, " + peakThreads + " peak";
        }
    }

    /** {@link #CLIENTS} slow readers of a blocking route, with the library's transparent mode or without. */
    private static Load load(boolean library) throws Exception {
        HttpHandler routes = Handlers.path()
                .addPrefixPath("/blocking", new BlockingHandler(exchange -> {
                    try (InputStream in = Pattern.stream(SIZE); OutputStream out = exchange.getOutputStream()) {
                        in.transferTo(out);
                    }
                }))
                .addPrefixPath("/ping", new BlockingHandler(exchange -> exchange.getOutputStream().write("pong".getBytes())));
        HttpHandler root = library
                ? new AsyncStreamingHandler(routes, StreamingOptions.builder().dispatch(StreamingOptions.virtualThreads()).build())
                : exchange -> {
                    exchange.setDispatchExecutor(StreamingOptions.virtualThreads()); // the obvious way
                    routes.handleRequest(exchange);
                };
        Load load = new Load();
        try (TestServer server = TestServer.start(root, b -> b.setWorkerThreads(4)
                .setSocketOption(Options.SEND_BUFFER, 16 * 1024))) {
            SlowLoad.millisToAnswer(server.http("/ping"), "pong"); // warm
            System.gc();
            load.idleFds = fds();
            load.idleThreads = serverThreads();
            AtomicLong peakFds = new AtomicLong();
            AtomicLong peakThreads = new AtomicLong();
            try (SlowLoad clients = SlowLoad.start(server.httpPort(), "/blocking", CLIENTS, PACE, server.http("/ping"), "pong")) {
                clients.assertAnswersWhileInFlight(server.http("/ping"), "pong", 1000, 5, () -> {
                    peakFds.accumulateAndGet(fds(), Math::max);
                    peakThreads.accumulateAndGet(serverThreads(), Math::max);
                });
                clients.assertAllFinishWith(Pattern.digest(SIZE));
            }
            load.peakFds = peakFds.get();
            load.peakThreads = peakThreads.get();
        }
        return load;
    }

    /** Open file descriptors of this process. */
    private static long fds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Platform threads that are not the test's clients (SlowLoad's pool threads are named pool-N). */
    private static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.getName().startsWith("pool-")).count();
    }

    @Test
    void theOptionPrintsAndParsesAsText() {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later");
        AsyncStreamingHandler h = (AsyncStreamingHandler) PredicatedHandlersParser.parseHandler(
                "async-streaming(dispatch=virtual)", getClass().getClassLoader()).wrap(exchange -> { });
        assertEquals("async-streaming(dispatch=virtual)", h.toString());
        assertEquals(StreamingOptions.virtualThreads(), h.getOptions().dispatch());
    }
}
