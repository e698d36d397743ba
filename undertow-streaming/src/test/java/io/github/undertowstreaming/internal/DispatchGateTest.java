package io.github.undertowstreaming.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.junit.jupiter.api.Test;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * The read-only counters of {@link DispatchGate} (running, waiting, refused) follow its queue, and
 * an exchange finds the gate that dispatches it. The executor here only collects tasks, which the
 * test runs one at a time on its own thread.
 */
class DispatchGateTest {

    private final Queue<Runnable> submitted = new ArrayDeque<>();
    private final Executor collecting = submitted::add;

    @Test
    void theCountersFollowRunningWaitingAndRefusedDispatches() {
        DispatchGate gate = new DispatchGate(collecting, 1, new Statistics());
        HttpServerExchange first = new HttpServerExchange(null);
        HttpServerExchange second = new HttpServerExchange(null);
        HttpServerExchange third = new HttpServerExchange(null);

        gate.forExchange(first).execute(() -> { });
        gate.forExchange(second).execute(() -> { });
        assertCounts(gate, 1, 1, 0);

        RejectedExecutionException e = assertThrows(RejectedExecutionException.class,
                () -> gate.forExchange(third).execute(() -> { }));
        assertEquals(Messages.MESSAGES.tooManyDispatched(1).getMessage(), e.getMessage());
        assertEquals("1", third.getResponseHeaders().getFirst(Headers.RETRY_AFTER));
        assertCounts(gate, 1, 1, 1);

        submitted.poll().run(); // the first ends: the second takes its place
        assertCounts(gate, 1, 0, 1);
        submitted.poll().run();
        assertCounts(gate, 0, 0, 1);
    }

    @Test
    void anExchangeFindsTheGateThatDispatchesItAndNoneOtherwise() {
        DispatchGate gate = new DispatchGate(collecting, 2, new Statistics());
        HttpServerExchange gated = new HttpServerExchange(null);
        gated.setDispatchExecutor(gate.forExchange(gated));
        assertSame(gate, DispatchGate.of(gated));

        HttpServerExchange plain = new HttpServerExchange(null);
        assertNull(DispatchGate.of(plain));
        plain.setDispatchExecutor(collecting);
        assertNull(DispatchGate.of(plain));
    }

    private static void assertCounts(DispatchGate gate, int running, int waiting, long refused) {
        assertEquals(running + " running, " + waiting + " waiting, " + refused + " refused",
                gate.running() + " running, " + gate.waiting() + " waiting, " + gate.refused() + " refused");
    }
}
