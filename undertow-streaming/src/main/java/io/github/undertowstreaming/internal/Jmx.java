package io.github.undertowstreaming.internal;

import java.lang.management.ManagementFactory;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * Shows a named handler's {@link Statistics} over JMX, as
 * {@code io.github.undertowstreaming:type=AsyncStreamingHandler,name=NAME}. The latest handler
 * with a name wins: a handler built again (a redeployment, a reloaded filter) replaces its
 * predecessor's MBean instead of failing, so that names do not pile up.
 */
public final class Jmx {

    /** The JMX domain of the library's MBeans. */
    public static final String DOMAIN = "io.github.undertowstreaming";

    private Jmx() {
    }

    /**
     * {@return the MBean's name for a handler named {@code name}}
     *
     * @param name the handler's name
     */
    public static ObjectName objectName(String name) {
        try {
            return new ObjectName(DOMAIN + ":type=AsyncStreamingHandler,name=" + name);
        } catch (JMException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * Registers {@code statistics} under {@code name}, replacing what was there; a failure is logged.
     *
     * @param name the handler's name
     * @param statistics its counters
     */
    public static void register(String name, Statistics statistics) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName objectName = objectName(name);
        try {
            synchronized (Jmx.class) {
                if (server.isRegistered(objectName)) {
                    server.unregisterMBean(objectName);
                }
                server.registerMBean(new StandardMBean(new View(statistics), StreamingStatisticsMXBean.class, true), objectName);
            }
        } catch (JMException | RuntimeException e) {
            Log.ROOT.jmxFailed(e, objectName.toString());
        }
    }

    /** The MXBean over one {@link Statistics}. */
    private static final class View implements StreamingStatisticsMXBean {
        private final Statistics s;

        View(Statistics s) {
            this.s = s;
        }

        @Override
        public long getStreamsInFlight() {
            return s.inFlight();
        }

        @Override
        public long getStreamsStarted() {
            return s.started();
        }

        @Override
        public long getStreamsFinished() {
            return s.finished();
        }

        @Override
        public long getStreamsFailed() {
            return s.bodyFailures() + s.clientFailures() + s.writeFailures() + s.rejected() + s.timeouts() + s.tooSlow();
        }

        @Override
        public long getBodyFailures() {
            return s.bodyFailures();
        }

        @Override
        public long getClientFailures() {
            return s.clientFailures();
        }

        @Override
        public long getWriteFailures() {
            return s.writeFailures();
        }

        @Override
        public long getRejected() {
            return s.rejected();
        }

        @Override
        public long getTimeouts() {
            return s.timeouts();
        }

        @Override
        public long getTooSlow() {
            return s.tooSlow();
        }

        @Override
        public long getDispatchedTooSlow() {
            return s.dispatchedTooSlow();
        }

        @Override
        public long getWaitingForClients() {
            return s.waitingForClients();
        }

        @Override
        public long getBytesHeldWaiting() {
            return s.bytesHeldWaiting();
        }

        @Override
        public long getLongestWaitMillis() {
            return s.longestWaitNanos() / 1_000_000;
        }

        @Override
        public long getLimited() {
            return s.limited();
        }

        @Override
        public long getBytesSent() {
            return s.bytesSent();
        }

        @Override
        public long getReadTimeMillis() {
            return s.readNanos() / 1_000_000;
        }
    
        @Override
        public long getDispatchRunning() {
            return s.dispatchRunning();
        }

        @Override
        public long getDispatchQueued() {
            return s.dispatchQueued();
        }

        @Override
        public long getDispatchRefused() {
            return s.dispatchRefused();
        }
    }
}
