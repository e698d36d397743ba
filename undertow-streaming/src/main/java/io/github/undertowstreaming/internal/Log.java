package io.github.undertowstreaming.internal;

import static org.jboss.logging.Logger.Level.DEBUG;
import static org.jboss.logging.Logger.Level.ERROR;
import static org.jboss.logging.Logger.Level.INFO;
import static org.jboss.logging.Logger.Level.WARN;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.Cause;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

/**
 * Log messages, ids {@code UTSTREAM0001} to {@code UTSTREAM0099}. Failures of the server side
 * (a body, an executor) go to {@code io.github.undertowstreaming}; a client that goes away is
 * normal on the internet and goes to {@code io.github.undertowstreaming.io} at DEBUG, as
 * Undertow's own {@code io.undertow.request.io} does.
 */
@MessageLogger(projectCode = "UTSTREAM", length = 4)
public interface Log extends BasicLogger {

    /** Failures of the server side. */
    Log ROOT = Logger.getMessageLogger(Log.class, "io.github.undertowstreaming");

    /** Clients that go away, at DEBUG. */
    Log IO = Logger.getMessageLogger(Log.class, "io.github.undertowstreaming.io");

    /**
     * A body failed before the response started.
     *
     * @param cause what failed
     * @param body the body
     * @param request the request, as method and URI
     */
    @LogMessage(level = ERROR)
    @Message(id = 1, value = "%s failed before the response of %s started; responding 500")
    void failedBeforeResponse(@Cause Throwable cause, Object body, String request);

    /**
     * A body failed after bytes were sent.
     *
     * @param cause what failed
     * @param body the body
     * @param sent the bytes sent
     * @param request the request, as method and URI
     */
    @LogMessage(level = ERROR)
    @Message(id = 2, value = "%s failed after %d bytes of the response of %s were sent; aborting the response so that the client sees it incomplete")
    void failedDuringResponse(@Cause Throwable cause, Object body, long sent, String request);

    /**
     * The client went away.
     *
     * @param cause what failed
     * @param request the request, as method and URI
     * @param sent the bytes sent
     * @param body the body
     */
    @LogMessage(level = DEBUG)
    @Message(id = 3, value = "The client of %s went away after %d bytes of %s; closing the body")
    void clientGone(@Cause Throwable cause, String request, long sent, Object body);

    /**
     * The executor refused a streaming task.
     *
     * @param cause what failed
     * @param request the request, as method and URI
     * @param sent the bytes sent
     * @param outcome what the client gets
     */
    @LogMessage(level = ERROR)
    @Message(id = 4, value = "The executor refused the streaming task of %s after %d bytes; %s")
    void rejected(@Cause Throwable cause, String request, long sent, String outcome);

    /**
     * A body's {@code close} failed.
     *
     * @param cause what failed
     * @param body the body
     */
    @LogMessage(level = WARN)
    @Message(id = 5, value = "Closing %s failed")
    void closeFailed(@Cause Throwable cause, Object body);

    /**
     * A write failed on this side.
     *
     * @param cause what failed
     * @param request the request, as method and URI
     * @param sent the bytes sent
     * @param body the body
     */
    @LogMessage(level = ERROR)
    @Message(id = 6, value = "Writing the response of %s failed on this side after %d bytes of %s; aborting the response so that the client sees it incomplete")
    void writeFailed(@Cause Throwable cause, String request, long sent, Object body);

    /**
     * The exchange ended before its stream.
     *
     * @param request the request, as method and URI
     * @param sent the bytes sent
     * @param body the body
     */
    @LogMessage(level = DEBUG)
    @Message(id = 7, value = "The exchange %s ended before its stream did, after %d bytes of %s; closing the body")
    void exchangeEnded(String request, long sent, Object body);

    /**
     * Ending a stream failed.
     *
     * @param cause what failed
     * @param sink the stream's sink
     */
    @LogMessage(level = ERROR)
    @Message(id = 8, value = "Ending the stream of %s failed")
    void endFailed(@Cause Throwable cause, Object sink);

    /**
     * Registering an MBean failed.
     *
     * @param cause what failed
     * @param objectName its name
     */
    @LogMessage(level = WARN)
    @Message(id = 10, value = "Registering the MBean %s failed; the handler's statistics stay readable in code")
    void jmxFailed(@Cause Throwable cause, String objectName);

    /**
     * A body read took longer than the read timeout.
     *
     * @param cause what failed
     * @param body the body
     * @param request the request, as method and URI
     */
    @LogMessage(level = ERROR)
    @Message(id = 11, value = "Reading %s for %s took longer than the read timeout; failing the stream")
    void readTimedOut(@Cause Throwable cause, Object body, String request);

    /**
     * A client took no bytes for the write timeout.
     *
     * @param cause what failed
     * @param request the request, as method and URI
     * @param sent the bytes sent
     * @param body the body
     */
    @LogMessage(level = DEBUG)
    @Message(id = 12, value = "The client of %s took no bytes for the write timeout after %d bytes of %s; dropping it")
    void writeTimedOut(@Cause Throwable cause, String request, long sent, Object body);

    /**
     * A stream refused by {@code max-streams}.
     *
     * @param request the request, as method and URI
     */
    @LogMessage(level = DEBUG)
    @Message(id = 13, value = "max-streams reached; %s gets 503")
    void limited(String request);

    /**
     * The server's buffer pool caches buffers per thread, which dispatching to a thread each defeats.
     *
     * @param handler the handler
     * @param cached the buffers cached per thread
     * @param shared the most shared
     */
    @LogMessage(level = WARN)
    @Message(id = 14, value = "%s dispatches exchanges to a thread each, and the server's DefaultByteBufferPool caches %d buffers per thread and shares at most %d (-1: none): every exchange's thread takes its buffers with it, reclaimed only by the garbage collector, and direct memory grows with the exchanges. Fix: a pool that shares its buffers and caches none per thread: in WildFly, thread-local-cache-size=0 and a max-pool-size (for instance 1024) on the Undertow subsystem's byte-buffer-pool; in code, Undertow.builder().setByteBufferPool(new DefaultByteBufferPool(direct, bufferSize, 1024, 0))")
    void perThreadBufferCache(String handler, int cached, int shared);

    /**
     * A deployment's own executor keeps its exchanges.
     *
     * @param handler the handler
     * @param contextPath the deployment's context path
     * @param executor its executor
     */
    @LogMessage(level = INFO)
    @Message(id = 15, value = "%s left the exchanges of %s alone: the application dispatches them to an executor of its own (%s), which keeps them, so the dispatch option does not apply to them (their blocking waits for the socket still park). Logged once per context path")
    void leftAlone(String handler, String contextPath, String executor);

    /**
     * The dispatch executor refused a waiting exchange.
     *
     * @param cause what failed
     * @param request the request, as method and URI
     */
    @LogMessage(level = DEBUG)
    @Message(id = 16, value = "The dispatch executor refused the exchange %s, which waited under max-dispatched; responding 503 with Retry-After: 1")
    void dispatchRefused(@Cause Throwable cause, String request);

    /**
     * A connection whose waits cannot park (AJP).
     *
     * @param handler the handler
     * @param protocol the connection's protocol
     */
    @LogMessage(level = WARN)
    @Message(id = 17, value = "%s dispatches exchanges whose blocking reads and writes over %s wait for the client as Undertow does without it, in XNIO's selector per waiting thread (which pins a virtual thread's carrier on Java 21 to 23, and holds an epoll descriptor and an eventfd per waiting thread on later versions): only HTTP/1.x and HTTP/2 waits park. Logged once")
    void waitsNotParked(String handler, String protocol);

    /**
     * A client dropped below a minimum rate.
     *
     * @param request the request, as method and URI
     * @param measured the rate it had
     * @param sent the bytes sent
     * @param body the body
     */
    @LogMessage(level = DEBUG)
    @Message(id = 18, value = "Dropping the client of %s as too slow (%s), after %d bytes of %s: the connection closed abortively, or the HTTP/2 stream reset")
    void tooSlow(String request, String measured, long sent, Object body);

    /**
     * The server is suspended: a new stream is refused.
     *
     * @param request the request refused
     */
    @LogMessage(level = DEBUG)
    @Message(id = 19, value = "The server is suspended; %s gets 503")
    void suspended(String request);

    /**
     * A body's {@code cancel} failed.
     *
     * @param cause what failed
     * @param body the body
     */
    @LogMessage(level = WARN)
    @Message(id = 9, value = "Cancelling %s failed")
    void cancelFailed(@Cause Throwable cause, Object body);

    /**
     * A stream's timer tick threw: the stream is no longer watched (read and write timeouts,
     * {@code min-rate}, a client gone during a read), and ends as its body and client make it.
     *
     * @param cause what was thrown
     * @param request the request, as method and URI
     */
    @LogMessage(level = ERROR)
    @Message(id = 20, value = "The timer of the stream of %s failed; its timeouts and minimum rate no longer apply to it")
    void watchFailed(@Cause Throwable cause, String request);
}
