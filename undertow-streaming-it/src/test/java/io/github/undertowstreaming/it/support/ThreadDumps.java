package io.github.undertowstreaming.it.support;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.List;

import io.undertow.Undertow;

/** Thread dumps of a server's XNIO worker threads, taken in this JVM. */
public final class ThreadDumps {

    private ThreadDumps() {
    }

    /**
     * The worker threads of {@code server} that are, right now, blocked waiting for a socket to
     * take a write: Undertow's blocking output stream waits in an {@code awaitWritable} of
     * Undertow's or XNIO's channels and conduits.
     */
    public static List<String> workersWaitingOnASocketWrite(Undertow server) {
        String prefix = server.getWorker().getName() + " task-";
        List<String> waiting = new ArrayList<>();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
            if (!info.getThreadName().startsWith(prefix)) {
                continue;
            }
            for (StackTraceElement frame : info.getStackTrace()) {
                boolean blockingWait = frame.getMethodName().equals("awaitWritable")
                        && (frame.getClassName().startsWith("org.xnio.") || frame.getClassName().startsWith("io.undertow."));
                if (blockingWait || frame.getClassName().equals("io.undertow.io.UndertowOutputStream")) {
                    waiting.add(info.getThreadName() + " at " + frame);
                    break;
                }
            }
        }
        return waiting;
    }
}
