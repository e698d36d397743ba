package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

import org.xnio.XnioIoThread;

/**
 * Work that must run on a connection's IO thread, asked for by another thread that parks until it
 * is done. A connection's interest, its listeners, and (HTTP/2) its stream channels' buffers are
 * the IO thread's: a change from another thread races with what the IO thread does on its own
 * (Undertow's SSL conduit decides from state it read before; a stream channel's reset frees a
 * write buffer that a worker's write is taking).
 *
 * <p>The caller parks with {@link LockSupport}, never on a monitor, so that a virtual thread lets
 * go of its carrier on every Java version. It waits until the work is done even if interrupted
 * meanwhile (the work may be using the caller's buffers), then restores the interrupt status.
 */
final class OnIoThread {

    /** A piece of work for the IO thread. */
    interface Call<T> {
        T call() throws IOException;
    }

    private OnIoThread() {
    }

    /**
     * Runs {@code call} on {@code io} and returns its result, or throws what it threw. Runs it at
     * once on {@code io} itself. If {@code io} takes no more tasks (the server stops), throws
     * {@link ClosedChannelException}: its connections close with it.
     */
    static <T> T call(XnioIoThread io, Call<T> call) throws IOException {
        if (Thread.currentThread() == io) {
            return call.call();
        }
        Task<T> task = new Task<>(call, Thread.currentThread());
        try {
            io.execute(task);
        } catch (RejectedExecutionException e) {
            ClosedChannelException closed = new ClosedChannelException();
            closed.initCause(e);
            throw closed;
        }
        boolean interrupted = false;
        while (!task.done) {
            LockSupport.park(task);
            interrupted |= Thread.interrupted();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (task.failure instanceof IOException e) {
            throw e;
        }
        if (task.failure instanceof RuntimeException e) {
            throw e;
        }
        if (task.failure instanceof Error e) {
            throw e;
        }
        return task.result;
    }

    /**
     * Runs {@code task} on {@code io}: at once on {@code io} itself, else later, without waiting.
     * False if {@code io} takes no more tasks.
     */
    static boolean execute(XnioIoThread io, Runnable task) {
        if (Thread.currentThread() == io) {
            task.run();
            return true;
        }
        try {
            io.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private static final class Task<T> implements Runnable {
        private final Call<T> call;
        private final Thread caller;
        private T result;
        private Throwable failure;
        /** Written last on the IO thread: publishes result and failure to the caller. */
        private volatile boolean done;

        Task(Call<T> call, Thread caller) {
            this.call = call;
            this.caller = caller;
        }

        @Override
        public void run() {
            try {
                result = call.call();
            } catch (Throwable t) {
                failure = t;
            } finally {
                done = true;
                LockSupport.unpark(caller);
            }
        }
    }
}
