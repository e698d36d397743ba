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

    /**
     * A thread dump of this JVM with its virtual threads, as {@code jcmd PID Thread.dump_to_file}
     * writes it (plain text): {@code HotSpotDiagnosticMXBean.dumpThreads}, Java 21 and later,
     * reached by reflection so that this compiles for Java 17.
     */
    public static String dumpToFile() {
        try {
            Class<?> beanType = Class.forName("com.sun.management.HotSpotDiagnosticMXBean");
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object bean = ManagementFactory.getPlatformMXBean((Class) beanType);
            @SuppressWarnings({"unchecked", "rawtypes"})
            Class<Enum> format = (Class<Enum>) Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("thread-dump");
            java.nio.file.Path file = dir.resolve("threads.txt"); // must not exist yet
            beanType.getMethod("dumpThreads", String.class, format).invoke(bean, file.toString(),
                    Enum.valueOf(format, "TEXT_PLAIN"));
            String dump = java.nio.file.Files.readString(file);
            java.nio.file.Files.delete(file);
            java.nio.file.Files.delete(dir);
            return dump;
        } catch (ReflectiveOperationException | java.io.IOException e) {
            throw new IllegalStateException("no thread dump on Java " + Runtime.version().feature(), e);
        }
    }

    /** The threads of a {@link #dumpToFile} dump (name line and stack) that contain {@code text}. */
    public static List<String> threadsWith(String dump, String text) {
        List<String> threads = new ArrayList<>();
        for (String block : dump.split("\\R\\s*\\R")) {
            if (block.stripLeading().startsWith("#") && block.contains(text)) {
                threads.add(block.strip());
            }
        }
        return threads;
    }
}
