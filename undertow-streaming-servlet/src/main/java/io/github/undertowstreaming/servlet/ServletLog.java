package io.github.undertowstreaming.servlet;

import static org.jboss.logging.Logger.Level.WARN;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.Cause;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

/** The servlet entry point's log messages, ids {@code UTSTREAM0280} to {@code UTSTREAM0299}. */
@MessageLogger(projectCode = "UTSTREAM", length = 4)
interface ServletLog extends BasicLogger {

    ServletLog ROOT = Logger.getMessageLogger(java.lang.invoke.MethodHandles.lookup(), ServletLog.class, "io.github.undertowstreaming.servlet");

    @LogMessage(level = WARN)
    @Message(id = 280, value = "Completing the async context of %s failed")
    void completeFailed(@Cause Throwable cause, String request);
}
