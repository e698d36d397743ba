package io.github.undertowstreaming.servlet;

import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageBundle;

/**
 * The servlet entry point's exceptions, ids {@code UTSTREAM0250} to {@code UTSTREAM0279}; its log
 * messages are in {@link ServletLog}.
 */
@MessageBundle(projectCode = "UTSTREAM", length = 4)
interface ServletMessages {

    ServletMessages MESSAGES = org.jboss.logging.Messages.getBundle(java.lang.invoke.MethodHandles.lookup(), ServletMessages.class);

    @Message(id = 250, value = "%s must not be null")
    NullPointerException notNull(String name);

    @Message(id = 251, value = "ServletStreaming.send was called for %s on a thread that is not handling a servlet request: call it from the servlet, filter or resource that handles the request, before it returns")
    IllegalStateException notOnRequestThread(String request);

    @Message(id = 252, value = "%s cannot be streamed: its servlet or one of its filters does not support async, which ServletStreaming.send needs (@WebServlet(asyncSupported = true), <async-supported>true</async-supported> in web.xml)")
    IllegalStateException asyncNotSupported(String request);
}
