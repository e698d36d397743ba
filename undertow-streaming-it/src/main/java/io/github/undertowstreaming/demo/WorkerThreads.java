package io.github.undertowstreaming.demo;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

import org.xnio.XnioWorker;

/**
 * How many worker threads of an XNIO worker are busy now. The worker's MXBean answers -1 when the
 * pool is jboss-threads' {@code EnhancedQueueExecutor} (the default), which does not count its
 * active threads; then the threads named after the worker ({@code "name task-N"}) are looked at,
 * and one parked inside the executor waiting for a task counts as idle. Safe from any thread;
 * costs one stack sample of every thread, so call it a few times a second, not per request.
 */
public final class WorkerThreads {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final String EXECUTOR = "org.jboss.threads.";

    private WorkerThreads() {
    }

    /** Busy worker threads of {@code worker}: the MXBean's count, or a count from stack samples. */
    public static int busy(XnioWorker worker) {
        int n = worker.getMXBean().getBusyWorkerThreadCount();
        return n >= 0 ? n : sampled(worker.getName() + " task-");
    }

    private static int sampled(String prefix) {
        int busy = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds(), 16)) {
            if (t != null && t.getThreadName().startsWith(prefix) && !waitsForTask(t)) {
                busy++;
            }
        }
        return busy;
    }

    /** Parked, and the first frame outside the JDK is the executor's own: no task under way. */
    private static boolean waitsForTask(ThreadInfo t) {
        if (t.getThreadState() != Thread.State.WAITING && t.getThreadState() != Thread.State.TIMED_WAITING) {
            return false;
        }
        for (StackTraceElement frame : t.getStackTrace()) {
            String c = frame.getClassName();
            if (c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.")) {
                continue;
            }
            return c.startsWith(EXECUTOR);
        }
        return false;
    }
}
