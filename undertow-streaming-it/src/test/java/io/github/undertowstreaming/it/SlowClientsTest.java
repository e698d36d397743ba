package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.PatternRoute;
import io.github.undertowstreaming.it.support.SlowLoad;
import io.github.undertowstreaming.it.support.TestServer;
import io.github.undertowstreaming.it.support.ThreadDumps;
import io.undertow.Handlers;
import io.undertow.server.handlers.BlockingHandler;

/**
 * A server with 4 worker threads and small socket buffers, so a 2 MiB body cannot hide in the
 * kernel: slow clients really hold the socket full. The library serves 32 of them while a route
 * that needs a worker still answers; BlockingHandler under the same load cannot.
 */
class SlowClientsTest {

    private static final long SIZE = 2L << 20;
    private static final long PACE = 512 * 1024; // bytes per second per client: about 4 s a body

    private static TestServer server;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(new AsyncStreamingHandler(Handlers.path()
                .addPrefixPath("/bytes", new PatternRoute())
                .addPrefixPath("/blocking/bytes", new BlockingHandler(exchange -> {
                    try (InputStream in = Pattern.stream(SIZE); OutputStream out = exchange.getOutputStream()) {
                        in.transferTo(out);
                    }
                }))
                .addPrefixPath("/ping", exchange -> exchange.dispatch(() -> exchange.getResponseSender().send("pong")))),
                b -> b.setWorkerThreads(4).setSocketOption(Options.SEND_BUFFER, 16 * 1024));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void thirtyTwoSlowClientsAllFinishWhileAWorkerRouteAnswers() throws Exception {
        try (SlowLoad load = SlowLoad.start(server.httpPort(), "/bytes?size=" + SIZE, 32, PACE, server.http("/ping"), "pong")) {
            load.assertAnswersWhileInFlight(server.http("/ping"), "pong", 5, () -> {
                List<String> blocked = ThreadDumps.workersWaitingOnASocketWrite(server.undertow());
                assertTrue(blocked.isEmpty(), "workers waiting on a socket write: " + blocked);
            });
            load.assertAllFinishWith(Pattern.digest(SIZE));
        }
    }

    /**
     * Fair sharing: each stream's next read waits in the library's own queue beyond half the
     * workers, so a worker route does not wait behind hundreds of reads in the worker's queue.
     */
    @Test
    void aWorkerRouteAnswersWhile256SlowSourceStreamsRunOnFourWorkers() throws Exception {
        long size = 512 * 1024;
        String path = "/bytes?size=" + size + "&maxRead=16384&delayMs=1"; // 1 ms per 16 KiB read
        try (SlowLoad load = SlowLoad.start(server.httpPort(), path, 256, 256 * 1024, server.http("/ping"), "pong")) {
            load.assertAnswersWhileInFlight(server.http("/ping"), "pong", 5, () -> { });
            load.assertAllFinishWith(Pattern.digest(size));
        }
    }

    @Test
    void theSameLoadUnderBlockingHandlerPinsEveryWorkerAndStarvesTheWorkerRoute() throws Exception {
        // one client per worker is enough to take them all
        try (SlowLoad load = SlowLoad.start(server.httpPort(), "/blocking/bytes", 4, PACE, server.http("/ping"), "pong")) {
            // the probe used above does see workers blocked on the socket when there are some
            List<String> blocked = List.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (blocked.isEmpty() && System.nanoTime() < deadline) {
                blocked = ThreadDumps.workersWaitingOnASocketWrite(server.undertow());
            }
            assertFalse(blocked.isEmpty(), "BlockingHandler's workers should be seen waiting on the socket");

            long millis = SlowLoad.millisToAnswer(server.http("/ping"), "pong");
            assertTrue(millis >= 1000, "/ping answered in " + millis + " ms although every worker was pinned");
            load.assertAllFinishWith(Pattern.digest(SIZE));
        }
    }
}
