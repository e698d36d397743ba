package io.github.undertowstreaming.extension;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.as.server.suspend.ServerResumeContext;
import org.jboss.as.server.suspend.ServerSuspendContext;
import org.jboss.as.server.suspend.SuspendableActivity;

import io.github.undertowstreaming.internal.StreamAdmission;

/**
 * The subsystem's part in WildFly's suspend and graceful shutdown: every stream of the handlers
 * it puts in front of web deployments ({@code Streaming.send} from the deployment's own handlers,
 * and the servlet entry point) passes here before it reads anything. While the server suspends or
 * is suspended, a new stream is refused ({@code 503}, its body closed unread); the suspension
 * completes once the streams running when it began have ended (their exchanges completed), which
 * a graceful {@code :shutdown(suspend-timeout=...)} waits for, up to its timeout. {@code :resume}
 * lets streams start again.
 *
 * <p>Streams are counted over the whole server. Thread-safe; nothing here blocks.
 */
final class Suspension implements SuspendableActivity, StreamAdmission {

    private volatile boolean suspended;
    /** Streams admitted and not ended, plus those being asked about right now. */
    private final AtomicLong running = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    /** Completed once {@link #running} is 0 after a suspension began; null while running. */
    private volatile CompletableFuture<Void> drained;

    /** Starts suspended if the server already is (a subsystem added while suspended, a deployment during suspension). */
    void initialState(boolean serverSuspended) {
        suspended = serverSuspended;
    }

    @Override
    public CompletionStage<Void> prepare(ServerSuspendContext context) {
        suspended = true; // refuse new streams from the first phase on, as Undertow's Host does
        return COMPLETED;
    }

    @Override
    public CompletionStage<Void> suspend(ServerSuspendContext context) {
        suspended = true;
        CompletableFuture<Void> f = new CompletableFuture<>();
        drained = f;
        long n = running.get();
        if (n == 0) {
            f.complete(null);
        } else {
            SubsystemLog.ROOT.waitingForStreams(n);
        }
        return f;
    }

    @Override
    public CompletionStage<Void> resume(ServerResumeContext context) {
        drained = null;
        suspended = false;
        return COMPLETED;
    }

    /**
     * Counted before the state is read, so that a suspension that begins meanwhile either sees
     * this stream running (and waits for it) or is seen by it (which is then refused).
     */
    @Override
    public boolean begin() {
        running.incrementAndGet();
        if (suspended) {
            refused.incrementAndGet();
            end();
            return false;
        }
        return true;
    }

    @Override
    public void end() {
        if (running.decrementAndGet() == 0) {
            CompletableFuture<Void> f = drained;
            if (f != null) {
                f.complete(null);
            }
        }
    }

    /** Streams refused because the server was suspended, since the server started or reloaded. */
    long refused() {
        return refused.get();
    }

    boolean suspended() {
        return suspended;
    }
}
