package io.github.undertowstreaming;

import java.time.Duration;

import io.github.undertowstreaming.internal.ExchangeSink;
import io.github.undertowstreaming.internal.HandlerContext;
import io.github.undertowstreaming.internal.Messages;
import io.github.undertowstreaming.internal.Statistics;
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
     * @param exchange the exchange to answer, its status and headers set
     * @param body what to send; from here on the library's to close
     * @throws IllegalStateException if a body was already sent on this exchange, if the response
     *     has started, or if the exchange was dispatched in this same handler call; the body is
     *     then untouched and still the caller's to close
     */
    public static void send(HttpServerExchange exchange, StreamingBody body) {
        Messages.MESSAGES.checkNotNull("exchange", exchange);
        Messages.MESSAGES.checkNotNull("body", body);
        ExchangeSink.send(exchange, body);
    }

    /**
     * The options {@link #send} uses for {@code exchange}: those an {@link AsyncStreamingHandler}
     * attached, or {@link StreamingOptions#defaults()}.
     *
     * @param exchange an exchange
     * @return the options its streams get
     */
    public static StreamingOptions options(HttpServerExchange exchange) {
        return HandlerContext.options(exchange);
    }

    /**
     * {@return a snapshot of the process-wide stream counters, every handler's streams and those sent without one} Cheap; safe from any thread.
     */
    public static Stats stats() {
        return new Stats(Statistics.GLOBAL);
    }

    /**
     * Stream counters: the process's ({@link Streaming#stats()}) or one handler's
     * ({@link AsyncStreamingHandler#statistics()}). The counts are read one after another, so a
     * snapshot taken while streams run may be off by the streams that moved meanwhile.
     */
    public static final class Stats {
        private final long inFlight;
        private final long started;
        private final long finished;
        private final long bodyFailures;
        private final long clientFailures;
        private final long writeFailures;
        private final long rejected;
        private final long timeouts;
        private final long limited;
        private final long tooSlow;
        private final long dispatchedTooSlow;
        private final long waitingForClients;
        private final long bytesHeldWaiting;
        private final long longestWaitNanos;
        private final long bytesSent;
        private final long readNanos;
        private final long dispatchRunning;
        private final long dispatchQueued;
        private final long dispatchRefused;

        Stats(Statistics s) {
            this.inFlight = s.inFlight();
            this.started = s.started();
            this.finished = s.finished();
            this.bodyFailures = s.bodyFailures();
            this.clientFailures = s.clientFailures();
            this.writeFailures = s.writeFailures();
            this.rejected = s.rejected();
            this.timeouts = s.timeouts();
            this.limited = s.limited();
            this.tooSlow = s.tooSlow();
            this.dispatchedTooSlow = s.dispatchedTooSlow();
            this.waitingForClients = s.waitingForClients();
            this.bytesHeldWaiting = s.bytesHeldWaiting();
            this.longestWaitNanos = s.longestWaitNanos();
            this.bytesSent = s.bytesSent();
            this.readNanos = s.readNanos();
            this.dispatchRunning = s.dispatchRunning();
            this.dispatchQueued = s.dispatchQueued();
            this.dispatchRefused = s.dispatchRefused();
        }

        /** {@return streams started and not yet finished or failed} */
        public long inFlight() {
            return inFlight;
        }

        /** {@return streams started: admitted under {@code max-streams} and handed to the executor} */
        public long started() {
            return started;
        }

        /** {@return streams whose every byte was written} */
        public long finished() {
            return finished;
        }

        /** {@return streams that failed, for any cause: the sum of the six counts below} */
        public long failed() {
            return bodyFailures + clientFailures + writeFailures + rejected + timeouts + tooSlow;
        }

        /** {@return streams whose body failed: it threw, broke its contract, or did not keep its length} */
        public long bodyFailures() {
            return bodyFailures;
        }

        /** {@return streams whose client went away, or whose exchange Undertow ended first} */
        public long clientFailures() {
            return clientFailures;
        }

        /** {@return streams whose write failed on this side while the client was still there} */
        public long writeFailures() {
            return writeFailures;
        }

        /** {@return streams whose executor refused a task} */
        public long rejected() {
            return rejected;
        }

        /** {@return streams that hit the read timeout or the write timeout} */
        public long timeouts() {
            return timeouts;
        }

        /** {@return streams whose client took fewer bytes than {@code min-rate} and was dropped} */
        public long tooSlow() {
            return tooSlow;
        }

        /**
         * Dispatched exchanges (transparent mode) whose client was dropped below {@code min-rate}
         * (a blocking write) or {@code min-request-rate} (a blocking read); not streams.
         *
         * @return the count since the handler was made
         */
        public long dispatchedTooSlow() {
            return dispatchedTooSlow;
        }

        /**
         * {@return streams and dispatched exchanges waiting for their client right now (a full socket or stream, a request body not sent)}
         */
        public long waitingForClients() {
            return waitingForClients;
        }

        /** {@return the bytes those waiting hold: a stream's pooled buffers, the rest of a blocked write} */
        public long bytesHeldWaiting() {
            return bytesHeldWaiting;
        }

        /** {@return how long the longest of those waits has lasted so far; zero if none} */
        public Duration longestWait() {
            return Duration.ofNanos(longestWaitNanos);
        }

        /** {@return streams refused with {@code 503} because {@code max-streams} were in flight; not started} */
        public long limited() {
            return limited;
        }

        /** {@return body bytes written to responses} */
        public long bytesSent() {
            return bytesSent;
        }

        /** {@return {@code max-dispatched}: dispatched exchanges running on the dispatch executor under the limit right now} */
        public long dispatchRunning() {
            return dispatchRunning;
        }

        /** {@return {@code max-dispatched}: dispatched exchanges waiting for a place right now} */
        public long dispatchQueued() {
            return dispatchQueued;
        }

        /**
         * {@return {@code max-dispatched}: dispatched exchanges answered {@code 503}, because as many
         * waited already or because the dispatch executor refused one that waited}
         */
        public long dispatchRefused() {
            return dispatchRefused;
        }

        /** {@return time spent in body reads, summed over streams} */
        public Duration readTime() {
            return Duration.ofNanos(readNanos);
        }

        @Override
        public String toString() {
            return "Stats[inFlight=" + inFlight + ", started=" + started + ", finished=" + finished
                    + ", bodyFailures=" + bodyFailures + ", clientFailures=" + clientFailures
                    + ", writeFailures=" + writeFailures + ", rejected=" + rejected + ", timeouts=" + timeouts
                    + ", tooSlow=" + tooSlow + ", limited=" + limited + ", bytesSent=" + bytesSent
                    + ", readTime=" + readTime() + ", dispatchedTooSlow=" + dispatchedTooSlow
                    + ", waitingForClients=" + waitingForClients + ", bytesHeldWaiting=" + bytesHeldWaiting
                    + ", longestWait=" + longestWait() + ", dispatchRunning=" + dispatchRunning
                    + ", dispatchQueued=" + dispatchQueued + ", dispatchRefused=" + dispatchRefused + "]";
        }
    }
}
