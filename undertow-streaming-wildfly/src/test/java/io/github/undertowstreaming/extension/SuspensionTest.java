package io.github.undertowstreaming.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jboss.as.server.suspend.ServerSuspendContext;
import org.junit.jupiter.api.Test;

/**
 * The subsystem's part in suspend: streams are refused while the server suspends or is
 * suspended, and the suspension completes once the streams admitted before it have ended.
 * The real server's behaviour (503, the streams finishing, a graceful shutdown waiting) is
 * WildFlySuspendIT's.
 */
class SuspensionTest {

    /** What the server passes; Suspension does not look at it. */
    private static final ServerSuspendContext SUSPEND = null;

    @Test
    void aSuspensionCompletesOnlyOnceTheStreamsRunningWhenItBeganHaveEnded() {
        Suspension s = new Suspension();
        assertTrue(s.begin());
        assertTrue(s.begin());
        s.prepare(SUSPEND);
        CompletionStage<Void> done = s.suspend(SUSPEND);
        assertFalse(done.toCompletableFuture().isDone(), "two streams run");
        assertFalse(s.begin(), "a new stream while suspended");
        s.end();
        assertFalse(done.toCompletableFuture().isDone(), "one stream runs");
        s.end();
        assertTrue(done.toCompletableFuture().isDone(), "every stream ended");
        assertEquals(1, s.refused());
    }

    @Test
    void aSuspensionWithNoStreamCompletesAtOnceAndResumeAdmitsAgain() {
        Suspension s = new Suspension();
        CompletableFuture<Void> done = s.suspend(SUSPEND).toCompletableFuture();
        assertTrue(done.isDone());
        assertFalse(s.begin());
        s.resume(null);
        assertTrue(s.begin());
        s.end();
    }

    @Test
    void aSubsystemStartedWhileTheServerIsSuspendedRefusesUntilResumed() {
        Suspension s = new Suspension();
        s.initialState(true);
        assertFalse(s.begin());
        s.resume(null);
        assertTrue(s.begin());
    }
}
