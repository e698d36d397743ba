package io.github.undertowstreaming.extension;

import static org.jboss.logging.Logger.Level.INFO;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

/** The subsystem's log messages, ids {@code UTSTREAM0230} to {@code UTSTREAM0249}. */
@MessageLogger(projectCode = "UTSTREAM", length = 4)
interface SubsystemLog extends BasicLogger {

    SubsystemLog ROOT = Logger.getMessageLogger(java.lang.invoke.MethodHandles.lookup(), SubsystemLog.class, "io.github.undertowstreaming.extension");

    @LogMessage(level = INFO)
    @Message(id = 230, value = "Activating the undertow-streaming subsystem (library %s): %s in front of %s")
    void activating(String version, String handler, String which);

    @LogMessage(level = INFO)
    @Message(id = 231, value = "The server suspends: waiting for %d running stream(s) of undertow-streaming to end; new ones get 503")
    void waitingForStreams(long running);

    @LogMessage(level = INFO)
    @Message(id = 232, value = "Deployment \"%s\" bundles undertow-streaming of its own (%s) and keeps it: the server's module is not added to it. The subsystem's handler still wraps it, but the deployment's copy sees neither the subsystem's options nor its part in suspend; remove the copy (the server provides the library) to have them")
    void bundledCopy(String deployment, String where);
}
