package io.github.undertowstreaming;

import io.github.undertowstreaming.internal.Messages;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

/**
 * The outermost handler: exchanges that its skip predicate matches (by default, protocol
 * upgrades) go straight to the next handler, untouched; every other exchange gets the
 * {@link StreamingOptions} that {@link Streaming#send} will use. Put it first in the chain.
 *
 * <pre>{@code
 * Undertow.builder()
 *         .addHttpListener(8080, "127.0.0.1")
 *         .setHandler(new AsyncStreamingHandler(routes, StreamingOptions.defaults()))
 *         .build().start();
 * }</pre>
 *
 * <p>Called on the IO thread (or wherever the chain runs); never blocks and holds no state
 * across requests.
 */
public final class AsyncStreamingHandler implements HttpHandler {

    static final AttachmentKey<StreamingOptions> OPTIONS = AttachmentKey.create(StreamingOptions.class);

    private final HttpHandler next;
    private final StreamingOptions options;

    /** With {@link StreamingOptions#defaults()}. */
    public AsyncStreamingHandler(HttpHandler next) {
        this(next, StreamingOptions.defaults());
    }

    public AsyncStreamingHandler(HttpHandler next, StreamingOptions options) {
        this.next = Messages.MESSAGES.checkNotNull("next", next);
        this.options = Messages.MESSAGES.checkNotNull("options", options);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (options.skip().resolve(exchange)) {
            next.handleRequest(exchange);
            return;
        }
        exchange.putAttachment(OPTIONS, options);
        next.handleRequest(exchange);
    }

    public HttpHandler getNext() {
        return next;
    }

    public StreamingOptions getOptions() {
        return options;
    }

    @Override
    public String toString() {
        return "async-streaming(" + options + ")";
    }
}
