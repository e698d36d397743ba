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

    Messages MESSAGES = org.jboss.logging.Messages.getBundle(Messages.class);

    @Message(id = 100, value = "%s must not be null")
    IllegalArgumentException notNull(String name);

    @Message(id = 101, value = "%s must be %s, but was %s")
    IllegalArgumentException badValue(String name, String expected, Object value);

    @Message(id = 102, value = "A streaming body was already sent on this exchange (%s); send may be called once per exchange")
    IllegalStateException alreadySent(String request);

    @Message(id = 103, value = "The response of %s has already started; Streaming.send must be called before anything is written")
    IllegalStateException responseStarted(String request);

    @Message(id = 104, value = "The exchange %s was already dispatched in this handler call; call Streaming.send from the dispatched task, or instead of dispatching")
    IllegalStateException alreadyDispatched(String request);

    @Message(id = 105, value = "%s returned 0 from read into a buffer with %d bytes remaining; a body must read at least one byte or return -1")
    IllegalStateException readReturnedZero(Object body, int remaining);

    @Message(id = 106, value = "%s produced %d bytes, more than the promised length of %d (its length() or the Content-Length set by the handler)")
    IOException longerThanLength(Object body, long read, long length);

    @Message(id = 107, value = "%s ended after %d bytes, short of the promised length of %d (its length() or the Content-Length set by the handler)")
    IOException shorterThanLength(Object body, long read, long length);

    @Message(id = 108, value = "The opener of a %s body returned null")
    IOException openerReturnedNull(String kind);

    @Message(id = 109, value = "%s is closed")
    IOException bodyClosed(Object body);

    @Message(id = 110, value = "Chunk %d is a %s; a chunk must be a byte[], a ByteBuffer or a CharSequence")
    IllegalArgumentException badChunk(long index, String type);

    @Message(id = 111, value = "Illegal transition of the pump from state %s: %s")
    IllegalStateException illegalTransition(Object state, String transition);

    @Message(id = 112, value = "async-streaming has no parameter %s; its parameters are %s")
    IllegalArgumentException unknownParameter(String name, String known);

    @Message(id = 113, value = "skip must be a predicate in Undertow's predicate language, but '%s' does not parse: %s")
    IllegalArgumentException badSkip(String text, String reason, @org.jboss.logging.annotations.Cause Throwable cause);

    @Message(id = 114, value = "%s has a length of %d, but the handler set Content-Length: %d")
    IOException lengthMismatch(Object body, long length, long declared);

    @Message(id = 115, value = "The handler set Content-Length: %s, which is not a length")
    IOException badContentLength(String value);

    @Message(id = 116, value = "max-streams (%d) streams are in flight on this handler already")
    IllegalStateException tooManyStreams(int maxStreams);

    @Message(id = 117, value = "%s took longer than the read timeout of %d ms to read")
    org.xnio.channels.ReadTimeoutException readTimedOut(Object body, long millis);

    @Message(id = 118, value = "The client took no bytes for the write timeout of %d ms")
    org.xnio.channels.WriteTimeoutException writeTimedOut(long millis);

    @Message(id = 119, value = "%s=%s needs virtual threads, which this JVM (Java %s) lacks: they came with Java 21; use dispatch=worker, or run on Java 21 or later")
    IllegalArgumentException noVirtualThreads(String option, Object value, String javaVersion);

    @Message(id = 120, value = "max-dispatched (%d) exchanges are running on the dispatch executor and as many are waiting")
    RejectedExecutionException tooManyDispatched(int max);

    @Message(id = 122, value = "The client sent no bytes of the request body for the read timeout of %d ms")
    org.xnio.channels.ReadTimeoutException requestReadTimedOut(long millis);
    @Message(id = 121, value = "max-dispatched=%d needs dispatch: it bounds the exchanges dispatched to the dispatch executor, and without dispatch (or with dispatch=worker) there are none; set dispatch (virtual, or an executor), or remove max-dispatched")
    IllegalArgumentException maxDispatchedWithoutDispatch(int maxDispatched);

    @Message(id = 123, value = "The client took %d bytes per second over the last %d ms it was waited on, below min-rate=%d")
    IOException tooSlow(long rate, long windowMillis, long minRate);

    @Message(id = 124, value = "The client sent %d bytes per second of the request body over the last %d ms it was waited on, below min-request-rate=%d")
    IOException requestTooSlow(long rate, long windowMillis, long minRate);

    /** Returns {@code value}, or throws {@link #notNull} naming it. */
    default <T> T checkNotNull(String name, T value) {
        if (value == null) {
            throw notNull(name);
        }
        return value;
    }

    @Message(id = 125, value = "The server is suspended: no new stream starts until it resumes")
    IllegalStateException suspended();
}
