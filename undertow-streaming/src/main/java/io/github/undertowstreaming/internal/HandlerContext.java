package io.github.undertowstreaming.internal;

import java.util.function.Supplier;

import io.github.undertowstreaming.StreamingOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

/**
 * What an {@code AsyncStreamingHandler} attaches to each exchange it does not skip: the options
 * and the counters of that handler, where {@code Streaming.send} and the servlet entry point find
 * them. An exchange without one streams with {@link StreamingOptions#defaults()} and counts in
 * {@link Statistics#GLOBAL}. One per handler, made with it; safe from any thread.
 */
public final class HandlerContext {

    static final AttachmentKey<HandlerContext> KEY = AttachmentKey.create(HandlerContext.class);

    private final Supplier<StreamingOptions> options;
    private final Statistics statistics;

    /**
     * A handler's context.
     *
     * @param options the handler's options in force, built on first use (see the custom-filter setters)
     * @param statistics the handler's counters
     */
    public HandlerContext(Supplier<StreamingOptions> options, Statistics statistics) {
        this.options = options;
        this.statistics = statistics;
    }

    /**
     * Attaches this handler's options and counters to {@code exchange}.
     *
     * @param exchange the exchange
     */
    public void attachTo(HttpServerExchange exchange) {
        exchange.putAttachment(KEY, this);
    }

    /**
     * {@return the options a stream of {@code exchange} uses}
     *
     * @param exchange the exchange
     */
    public static StreamingOptions options(HttpServerExchange exchange) {
        HandlerContext c = exchange.getAttachment(KEY);
        return c == null ? StreamingOptions.defaults() : c.options.get();
    }

    /** The counters a stream of {@code exchange} counts in. */
    static Statistics statistics(HttpServerExchange exchange) {
        HandlerContext c = exchange.getAttachment(KEY);
        return c == null ? Statistics.GLOBAL : c.statistics;
    }
}
