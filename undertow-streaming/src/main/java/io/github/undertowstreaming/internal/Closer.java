package io.github.undertowstreaming.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.xnio.XnioIoThread;

import io.github.undertowstreaming.StreamingBody;

/**
 * The library's own threads, for the two calls into a body that can neither wait for the
 * stream's executor nor run on an IO thread: {@link StreamingBody#cancel()} while a read may be
 * blocking (the executor's threads may all be busy reading), and {@code close()} after the
 * executor refused the work. Daemon threads, made on demand and gone after ten idle seconds;
 * none exists while nothing fails.
 */
final class Closer {

    private static final AtomicInteger THREADS = new AtomicInteger();

    private static final Executor EXECUTOR = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
            new SynchronousQueue<>(), task -> {
                Thread t = new Thread(task, "undertow-streaming-closer-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private Closer() {
    }

    /** Whether the caller is an XNIO IO thread, where no body method may run. */
    static boolean onIoThread() {
        return Thread.currentThread() instanceof XnioIoThread;
    }

    static void execute(Runnable task) {
        EXECUTOR.execute(task);
    }

    /** Calls {@code body.cancel()} on a thread of its own; a failure is logged. */
    static void cancel(StreamingBody body) {
        EXECUTOR.execute(() -> {
            try {
                body.cancel();
            } catch (Throwable t) {
                Log.ROOT.cancelFailed(t, body);
            }
        });
    }
}
