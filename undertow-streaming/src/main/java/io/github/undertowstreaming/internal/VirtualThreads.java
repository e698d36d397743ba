package io.github.undertowstreaming.internal;

import java.lang.reflect.Method;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * A virtual thread per task, on Java 21 and later, reached by reflection so that the library stays
 * Java 17 bytecode and never requires virtual threads. One executor for the process, made on first
 * use; its threads are named {@code undertow-streaming-vt-N}.
 */
public final class VirtualThreads {

    private static volatile Executor executor;

    private VirtualThreads() {
    }

    /**
     * The executor, or an {@link IllegalArgumentException} naming {@code option}, {@code value}
     * and the Java version when this JVM has no virtual threads.
     *
     * @param option the option that asks for it, for the message
     * @param value the option's value, for the message
     * @return the executor
     */
    public static Executor executor(String option, Object value) {
        Executor e = executor;
        if (e == null) {
            synchronized (VirtualThreads.class) {
                e = executor;
                if (e == null) {
                    e = executor = create(option, value);
                }
            }
        }
        return e;
    }

    /**
     * {@return whether {@code e} is this executor (the one {@code dispatch=virtual} gives)}
     *
     * @param e an executor, or null
     */
    public static boolean isExecutor(Executor e) {
        return e != null && e == executor;
    }

    /** {@return whether this JVM has virtual threads (Java 21+)} */
    public static boolean available() {
        return Runtime.version().feature() >= 21;
    }

    private static Executor create(String option, Object value) {
        if (!available()) {
            throw Messages.MESSAGES.noVirtualThreads(option, value, Runtime.version().toString());
        }
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            builder = ofVirtual.getMethod("name", String.class, long.class).invoke(builder, "undertow-streaming-vt-", 1L);
            ThreadFactory factory = (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
            Method perTask = java.util.concurrent.Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class);
            return (ExecutorService) perTask.invoke(null, factory);
        } catch (ReflectiveOperationException e) {
            throw Messages.MESSAGES.noVirtualThreads(option, value, Runtime.version() + " (" + e + ")");
        }
    }
}
