package io.github.undertowstreaming.internal;

import io.undertow.server.HttpServerExchange;

/**
 * A gate that every stream of an exchange passes before it reads anything, and leaves when its
 * exchange completes: how a server's suspension (WildFly's {@code :suspend}, a graceful shutdown)
 * refuses new streams and waits for running ones. Set per exchange by whoever wraps the handler
 * chain ({@link #attachTo}); without one, every stream starts.
 *
 * <p>A stream refused by {@link #begin} reads nothing: its body is closed unread, on the executor,
 * and the client gets {@code 503}. A stream admitted is followed by exactly one {@link #end}, once
 * its exchange has completed (its last byte flushed, or its failure answered or aborted). Both are
 * called on any thread, must not block, and must not throw.
 */
public interface StreamAdmission {

    /** {@return whether a stream may start now} */
    boolean begin();

    /** A stream that {@link #begin} admitted has ended. */
    void end();

    /**
     * Every stream of {@code exchange} passes {@code admission}.
     *
     * @param exchange the exchange
     * @param admission what admits its streams
     */
    static void attachTo(HttpServerExchange exchange, StreamAdmission admission) {
        exchange.putAttachment(ExchangeSink.ADMISSION, admission);
    }
}
