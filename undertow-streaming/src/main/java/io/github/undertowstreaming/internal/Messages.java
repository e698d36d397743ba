package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;

import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageBundle;

/**
 * The exceptions this library throws, with ids {@code UTSTREAM0100} to {@code UTSTREAM0199}.
 * Log messages ({@code UTSTREAM0001} to {@code UTSTREAM0099}) are in {@link Log}.
 */
@MessageBundle(projectCode = "UTSTREAM", length = 4)
public interface Messages {

    /** The bundle. */
    Messages MESSAGES = org.jboss.logging.Messages.getBundle(Messages.class);

    /**
     * {@return the exception for a null where a value is needed}
     *
     * @param name what was null
     */
    @Message(id = 100, value = "%s must not be null")
    IllegalArgumentException notNull(String name);

    /**
     * {@return the exception for an option given a value out of its range}
     *
     * @param name the option
     * @param expected what it takes
     * @param value what it was given
     */
    @Message(id = 101, value = "%s must be %s, but was %s")
    IllegalArgumentException badValue(String name, String expected, Object value);

    /**
     * {@return the exception for a second {@code Streaming.send} on one exchange}
     *
     * @param request the request, as method and URI
     */
    @Message(id = 102, value = "A streaming body was already sent on this exchange (%s); send may be called once per exchange")
    IllegalStateException alreadySent(String request);

    /**
     * {@return the exception for a send after the response started}
     *
     * @param request the request, as method and URI
     */
    @Message(id = 103, value = "The response of %s has already started; Streaming.send must be called before anything is written")
    IllegalStateException responseStarted(String request);

    /**
     * {@return the exception for a send in the handler call that dispatched the exchange}
     *
     * @param request the request, as method and URI
     */
    @Message(id = 104, value = "The exchange %s was already dispatched in this handler call; call Streaming.send from the dispatched task, or instead of dispatching")
    IllegalStateException alreadyDispatched(String request);

    /**
     * {@return the exception for a body whose read returned 0}
     *
     * @param body the body
     * @param remaining the room it had
     */
    @Message(id = 105, value = "%s returned 0 from read into a buffer with %d bytes remaining; a body must read at least one byte or return -1")
    IllegalStateException readReturnedZero(Object body, int remaining);

    /**
     * {@return the exception for a body longer than it promised}
     *
     * @param body the body
     * @param read the bytes it produced
     * @param length the promised length
     */
    @Message(id = 106, value = "%s produced %d bytes, more than the promised length of %d (its length() or the Content-Length set by the handler)")
    IOException longerThanLength(Object body, long read, long length);

    /**
     * {@return the exception for a body shorter than it promised}
     *
     * @param body the body
     * @param read the bytes it produced
     * @param length the promised length
     */
    @Message(id = 107, value = "%s ended after %d bytes, short of the promised length of %d (its length() or the Content-Length set by the handler)")
    IOException shorterThanLength(Object body, long read, long length);

    /**
     * {@return the exception for an opener that returned null}
     *
     * @param kind what it should have opened
     */
    @Message(id = 108, value = "The opener of a %s body returned null")
    IOException openerReturnedNull(String kind);

    /**
     * {@return the exception for a read of a closed body}
     *
     * @param body the body
     */
    @Message(id = 109, value = "%s is closed")
    IOException bodyClosed(Object body);

    /**
     * {@return the exception for a chunk of a type the chunk bodies do not take}
     *
     * @param index its index, from 0
     * @param type its class
     */
    @Message(id = 110, value = "Chunk %d is a %s; a chunk must be a byte[], a ByteBuffer or a CharSequence")
    IllegalArgumentException badChunk(long index, String type);

    /**
     * {@return the exception for a pump transition its state does not allow}
     *
     * @param state the state
     * @param transition the transition
     */
    @Message(id = 111, value = "Illegal transition of the pump from state %s: %s")
    IllegalStateException illegalTransition(Object state, String transition);

    /**
     * {@return the exception for an unknown parameter of {@code async-streaming}}
     *
     * @param name the parameter
     * @param known the parameters it has
     */
    @Message(id = 112, value = "async-streaming has no parameter %s; its parameters are %s")
    IllegalArgumentException unknownParameter(String name, String known);

    /**
     * {@return the exception for a skip predicate that does not parse}
     *
     * @param text the predicate's text
     * @param reason the parser's message
     * @param cause the parser's exception
     */
    @Message(id = 113, value = "skip must be a predicate in Undertow's predicate language, but '%s' does not parse: %s")
    IllegalArgumentException badSkip(String text, String reason, @org.jboss.logging.annotations.Cause Throwable cause);

    /**
     * {@return the exception for a body length that differs from the handler's {@code Content-Length}}
     *
     * @param body the body
     * @param length the body's length
     * @param declared the header's
     */
    @Message(id = 114, value = "%s has a length of %d, but the handler set Content-Length: %d")
    IOException lengthMismatch(Object body, long length, long declared);

    /**
     * {@return the exception for a {@code Content-Length} that is not a length}
     *
     * @param value the header's value
     */
    @Message(id = 115, value = "The handler set Content-Length: %s, which is not a length")
    IOException badContentLength(String value);

    /**
     * {@return the exception for a stream over {@code max-streams}}
     *
     * @param maxStreams the limit
     */
    @Message(id = 116, value = "max-streams (%d) streams are in flight on this handler already")
    IllegalStateException tooManyStreams(int maxStreams);

    /**
     * {@return the exception for a body read over the read timeout}
     *
     * @param body the body
     * @param millis the timeout
     */
    @Message(id = 117, value = "%s took longer than the read timeout of %d ms to read")
    org.xnio.channels.ReadTimeoutException readTimedOut(Object body, long millis);

    /**
     * {@return the exception for a client that took no bytes for the write timeout}
     *
     * @param millis the timeout
     */
    @Message(id = 118, value = "The client took no bytes for the write timeout of %d ms")
    org.xnio.channels.WriteTimeoutException writeTimedOut(long millis);

    /**
     * {@return the exception for {@code dispatch=virtual} on a JVM without virtual threads}
     *
     * @param option the option
     * @param value its value
     * @param javaVersion the JVM's version
     */
    @Message(id = 119, value = "%s=%s needs virtual threads, which this JVM (Java %s) lacks: they came with Java 21; use dispatch=worker, or run on Java 21 or later")
    IllegalArgumentException noVirtualThreads(String option, Object value, String javaVersion);

    /**
     * {@return the exception for a dispatch beyond {@code max-dispatched} running and as many waiting}
     *
     * @param max the limit
     */
    @Message(id = 120, value = "max-dispatched (%d) exchanges are running on the dispatch executor and as many are waiting")
    RejectedExecutionException tooManyDispatched(int max);

    /**
     * {@return the exception for a request body that sent nothing for the read timeout}
     *
     * @param millis the timeout
     */
    @Message(id = 122, value = "The client sent no bytes of the request body for the read timeout of %d ms")
    org.xnio.channels.ReadTimeoutException requestReadTimedOut(long millis);
    /**
     * {@return the exception for {@code max-dispatched} without {@code dispatch}}
     *
     * @param maxDispatched its value
     */
    @Message(id = 121, value = "max-dispatched=%d needs dispatch: it bounds the exchanges dispatched to the dispatch executor, and without dispatch (or with dispatch=worker) there are none; set dispatch (virtual, or an executor), or remove max-dispatched")
    IllegalArgumentException maxDispatchedWithoutDispatch(int maxDispatched);

    /**
     * {@return the exception for a client that took fewer bytes than {@code min-rate}}
     *
     * @param rate the bytes per second it took
     * @param windowMillis over how long
     * @param minRate the minimum
     */
    @Message(id = 123, value = "The client took %d bytes per second over the last %d ms it was waited on, below min-rate=%d")
    IOException tooSlow(long rate, long windowMillis, long minRate);

    /**
     * {@return the exception for a client that sent fewer bytes than {@code min-request-rate}}
     *
     * @param rate the bytes per second it sent
     * @param windowMillis over how long
     * @param minRate the minimum
     */
    @Message(id = 124, value = "The client sent %d bytes per second of the request body over the last %d ms it was waited on, below min-request-rate=%d")
    IOException requestTooSlow(long rate, long windowMillis, long minRate);

    /**
     * {@return {@code value}, once checked: a null throws {@link #notNull} naming it}
     *
     * @param <T> the value's type
     * @param name what it is, for the message
     * @param value the value
     */
    default <T> T checkNotNull(String name, T value) {
        if (value == null) {
            throw notNull(name);
        }
        return value;
    }

    /** {@return that the server is suspended} */
    @Message(id = 125, value = "The server is suspended: no new stream starts until it resumes")
    IllegalStateException suspended();
}
