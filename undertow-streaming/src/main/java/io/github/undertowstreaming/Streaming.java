package io.github.undertowstreaming;

import io.github.undertowstreaming.internal.Counters;
import io.github.undertowstreaming.internal.ExchangeSink;
import io.github.undertowstreaming.internal.Messages;
import io.undertow.server.HttpServerExchange;

/**
 * The entry point: {@link #send} hands a blocking body to an exchange and returns at once.
 *
 * <pre>{@code
 * HttpHandler download = exchange -> {
 *     exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
 *     Streaming.send(exchange, StreamingBody.ofInputStream(() -> blobs.open(id)));
 * };
 * }</pre>
 */
public final class Streaming {

    private Streaming() {
    }

    /**
     * Sends {@code body} as the response of {@code exchange}, then returns without blocking.
     *
     * <p>Set status and headers first. The body is opened, read and closed on the executor of
     * the {@link StreamingOptions} that an {@link AsyncStreamingHandler} attached to the
     * exchange ({@link StreamingOptions#defaults()} without one). A known length becomes the
     * {@code Content-Length} unless one is set; otherwise an HTTP/1.1 response is chunked, even
     * when the request asked to close the connection, so that a truncated body never looks
     * complete. A {@code Content-Length} set here is a promise the body must keep. With a status
     * that has no body ({@code 1xx}, {@code 204}, {@code 304}) or on a HEAD request, no body bytes
     * are sent (see {@link StreamingBody#length()} for what HEAD reads).
     *
     * <p>May be called from a handler on the IO thread, from a handler on a worker (under
     * {@code BlockingHandler}), or from any thread once the handler has dispatched; the stream
     * starts when the handler call returns. Once this returns, the exchange belongs to the
     * stream: do not write to it or end it.
     *
     * @throws IllegalStateException if a body was already sent on this exchange, if the response
     *     has started, or if the exchange was dispatched in this same handler call; the body is
     *     then untouched and still the caller's to close
     */
    public static void send(HttpServerExchange exchange, StreamingBody body) {
        Messages.MESSAGES.checkNotNull("exchange", exchange);
        Messages.MESSAGES.checkNotNull("body", body);
        ExchangeSink.send(exchange, body, options(exchange));
    }

    /**
     * The options {@link #send} uses for {@code exchange}: those an {@link AsyncStreamingHandler}
     * attached, or {@link StreamingOptions#defaults()}.
     */
    public static StreamingOptions options(HttpServerExchange exchange) {
        StreamingOptions options = exchange.getAttachment(AsyncStreamingHandler.OPTIONS);
        return options == null ? StreamingOptions.defaults() : options;
    }

    /** A snapshot of the process-wide stream counters. Cheap; safe from any thread. */
    public static Stats stats() {
        return new Stats(Counters.started(), Counters.finished(), Counters.failed(), Counters.bytesSent());
    }

    /** Stream counters, as {@link #stats()} read them. The counts are read one after another. */
    public static final class Stats {
        private final long started;
        private final long finished;
        private final long failed;
        private final long bytesSent;

        Stats(long started, long finished, long failed, long bytesSent) {
            this.started = started;
            this.finished = finished;
            this.failed = failed;
            this.bytesSent = bytesSent;
        }

        /** Streams sent and not yet finished or failed. */
        public long inFlight() {
            return Math.max(0, started - finished - failed);
        }

        /** Streams whose every byte was written. */
        public long finished() {
            return finished;
        }

        /** Streams that failed: the body, the client, or the executor. */
        public long failed() {
            return failed;
        }

        /** Body bytes written to responses. */
        public long bytesSent() {
            return bytesSent;
        }

        @Override
        public String toString() {
            return "Stats[inFlight=" + inFlight() + ", finished=" + finished + ", failed=" + failed
                    + ", bytesSent=" + bytesSent + "]";
        }
    }
}
