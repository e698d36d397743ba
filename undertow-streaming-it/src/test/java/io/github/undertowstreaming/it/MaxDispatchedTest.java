package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.Waits;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.server.handlers.ResponseCodeHandler;
import io.undertow.server.handlers.builder.PredicatedHandlersParser;

/**
 * {@code max-dispatched}: the dispatched exchanges beyond the bound wait in the handler's queue,
 * and each one leaves it with a response of its own, even when the dispatch executor refuses it;
 * and the option is refused where it would bound nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class MaxDispatchedTest {

    private EdgeServer server;
    private ExecutorService threads;

    @BeforeEach
    void start() {
        server = EdgeServer.start(4, b -> { });
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stop() {
        server.close();
        threads.shutdownNow();
    }

    /**
     * Two exchanges run (max-dispatched=2) and hold their threads; two more wait. The executor then
     * refuses its third task, the first waiting exchange, taken from the queue by a running one
     * as it finishes: that exchange gets 503 with Retry-After: 1 on its own, and the other waiting
     * one runs. The running two are let go one after the other (a, then b once the executor was
     * asked for its third task): let go together, their threads raced to hand the executor the
     * waiting ones, and d was once its third task instead of c (CI, Undertow 2.3). It used to be dropped: the refusal was swallowed in the finishing task, and its
     * client waited for ever.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aWaitingExchangeTheExecutorRefusesGets503AndTheOthersTheirAnswers(Protocol protocol) throws Exception {
        Map<String, CountDownLatch> release = Map.of("a", new CountDownLatch(1), "b", new CountDownLatch(1),
                "c", new CountDownLatch(0), "d", new CountDownLatch(0));
        AtomicInteger entered = new AtomicInteger();
        AtomicInteger tasks = new AtomicInteger();
        StreamingOptions options = StreamingOptions.builder().maxDispatched(2).dispatch(task -> {
            if (tasks.incrementAndGet() == 3) {
                throw new RejectedExecutionException("test: the executor refuses its third task");
            }
            threads.execute(task);
        }).build();
        HttpHandler held = new AsyncStreamingHandler(new BlockingHandler(exchange -> {
            entered.incrementAndGet();
            assertTrue(release.get(exchange.getQueryParameters().get("id").getFirst()).await(30, TimeUnit.SECONDS));
            exchange.getOutputStream().write("done".getBytes());
        }), options);
        Map<String, CountDownLatch> queued = new LinkedHashMap<>();
        for (String id : new String[] {"a", "b", "c", "d"}) {
            queued.put(id, new CountDownLatch(1));
        }
        server.route("/held", exchange -> {
            held.handleRequest(exchange);
            // runs on this IO thread after the task that dispatches the exchange: it is queued by then
            exchange.getIoThread().execute(queued.get(exchange.getQueryParameters().get("id").getFirst())::countDown);
        });

        Map<String, Curl.Running> clients = new LinkedHashMap<>();
        for (String id : queued.keySet()) {
            clients.put(id, Curl.to(protocol, server.uri(protocol, "/held?id=" + id)).maxTime(Duration.ofSeconds(15)).start());
            assertTrue(queued.get(id).await(10, TimeUnit.SECONDS), () -> "request " + id + " never reached the handler");
            if (id.equals("b")) { // a and b run; c and d wait, in this order
                assertTrue(Waits.poll(() -> entered.get() == 2, Duration.ofSeconds(10)), "the first two exchanges never ran");
            }
        }
        release.get("a").countDown();
        assertTrue(Waits.poll(() -> tasks.get() >= 3, Duration.ofSeconds(10)), "a's thread never handed c to the executor");
        release.get("b").countDown();
        Map<String, Curl.Result> results = new LinkedHashMap<>();
        for (Map.Entry<String, Curl.Running> c : clients.entrySet()) {
            results.put(c.getKey(), c.getValue().await());
        }

        assertAll("every exchange got its own answer",
                () -> assertEquals(200, results.get("a").status(), () -> "a; " + results.get("a")),
                () -> assertEquals(200, results.get("b").status(), () -> "b; " + results.get("b")),
                () -> assertEquals(503, results.get("c").status(), () -> "c, refused by the executor; " + results.get("c")),
                () -> assertEquals("1", results.get("c").header("retry-after"), () -> "c; " + results.get("c")),
                () -> assertEquals(200, results.get("d").status(), () -> "d; " + results.get("d")),
                () -> results.forEach((id, r) -> assertEquals(0, r.exitCode(), () -> id + ": curl exit; " + r)),
                () -> assertEquals(3, entered.get(), "a, b and d ran"),
                () -> server.assertSaw(protocol, "/held"),
                () -> server.assertExchangesCompleted(ContractTestBase.SETTLE),
                () -> server.assertBuffersBack(ContractTestBase.SETTLE));
    }

    /**
     * The gate's counters, in the handler's statistics: one exchange runs (max-dispatched=1) and
     * holds its thread, one waits, a third is refused at once (503): running 1, queued 1, refused
     * 1; once released, running and queued go back to 0. (The server's limiter lets four requests
     * in at once.)
     */
    @Test
    void theGateCountsTheExchangesItRunsQueuesAndRefuses() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        AsyncStreamingHandler held = new AsyncStreamingHandler(new BlockingHandler(exchange -> {
            entered.incrementAndGet();
            assertTrue(release.await(30, TimeUnit.SECONDS));
            exchange.getOutputStream().write("done".getBytes());
        }), StreamingOptions.builder().maxDispatched(1).dispatch(threads).build());
        server.route("/held", held);
        Map<String, Curl.Running> clients = new LinkedHashMap<>();
        for (String id : new String[] {"a", "b"}) {
            clients.put(id, Curl.to(Protocol.HTTP_1_1, server.uri(Protocol.HTTP_1_1, "/held?id=" + id)).maxTime(Duration.ofSeconds(15)).start());
        }
        assertTrue(Waits.poll(() -> entered.get() == 1 && held.statistics().dispatchQueued() == 1, Duration.ofSeconds(10)),
                () -> "one runs and one waits: " + held.statistics());
        Curl.Result refused = Curl.to(Protocol.HTTP_1_1, server.uri(Protocol.HTTP_1_1, "/held?id=c")).run();
        assertEquals(503, refused.status(), () -> "c, beyond the queue; " + refused);
        assertEquals(1, held.statistics().dispatchRunning(), () -> held.statistics().toString());
        assertEquals(1, held.statistics().dispatchQueued(), () -> held.statistics().toString());
        assertEquals(1, held.statistics().dispatchRefused(), () -> held.statistics().toString());

        release.countDown();
        for (Map.Entry<String, Curl.Running> c : clients.entrySet()) {
            Curl.Result r = c.getValue().await();
            assertEquals(200, r.status(), () -> c.getKey() + "; " + r);
        }
        assertTrue(Waits.poll(() -> held.statistics().dispatchRunning() == 0, Duration.ofSeconds(5)),
                () -> "every exchange left the gate: " + held.statistics());
        assertEquals(0, held.statistics().dispatchQueued());
        assertEquals(1, held.statistics().dispatchRefused());
    }

    /** max-dispatched bounds the exchanges dispatched to {@code dispatch}: without it there are none. */
    @Test
    void maxDispatchedWithoutDispatchIsRefusedWhereverTheOptionsAreBuilt() {
        assertNamesBoth(assertThrows(IllegalArgumentException.class,
                () -> StreamingOptions.builder().maxDispatched(4).build()).getMessage());
        assertNamesBoth(assertThrows(IllegalArgumentException.class,
                () -> PredicatedHandlersParser.parseHandler("async-streaming(max-dispatched=4)",
                        getClass().getClassLoader())).getMessage());
        assertNamesBoth(assertThrows(IllegalArgumentException.class,
                () -> PredicatedHandlersParser.parseHandler("async-streaming(dispatch=worker, max-dispatched=4)",
                        getClass().getClassLoader())).getMessage());
        // WildFly's custom-filter sets one parameter at a time, in any order: the pair is checked
        // when the handler is first used
        AsyncStreamingHandler alone = new AsyncStreamingHandler(ResponseCodeHandler.HANDLE_404);
        alone.setMaxDispatched("4");
        assertNamesBoth(assertThrows(IllegalArgumentException.class, alone::getOptions).getMessage());
        assertNamesBoth(assertThrows(IllegalArgumentException.class, () -> alone.handleRequest(null)).getMessage());
    }

    @Test
    void theCustomFilterTakesMaxDispatchedBeforeOrAfterDispatch() {
        StreamingOptions platform = StreamingOptions.builder().dispatch(threads).build();
        for (boolean first : new boolean[] {true, false}) {
            AsyncStreamingHandler h = new AsyncStreamingHandler(ResponseCodeHandler.HANDLE_404, platform);
            if (first) {
                h.setMaxDispatched("4");
                h.setReadAhead("1");
            } else {
                h.setReadAhead("1");
                h.setMaxDispatched("4");
            }
            assertEquals(4, h.getOptions().maxDispatched());
            assertEquals(1, h.getOptions().readAhead());
        }
        AsyncStreamingHandler h = new AsyncStreamingHandler(ResponseCodeHandler.HANDLE_404);
        h.setMaxDispatched("4");
        h.setDispatch("worker");
        assertNamesBoth(assertThrows(IllegalArgumentException.class, h::getOptions).getMessage());
        h.setMaxDispatched("0");
        assertEquals(0, h.getOptions().maxDispatched(), "a later setter can make the pair right");
    }

    private static void assertNamesBoth(String message) {
        assertTrue(message.startsWith("UTSTREAM0121") && message.contains("max-dispatched")
                && message.contains("dispatch"), message);
    }
}
