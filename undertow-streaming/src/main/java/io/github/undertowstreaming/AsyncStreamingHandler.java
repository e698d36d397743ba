package io.github.undertowstreaming;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

import io.github.undertowstreaming.internal.DispatchGate;
import io.github.undertowstreaming.internal.FailedWriterAbort;
import io.github.undertowstreaming.internal.ForeignDispatch;
import io.github.undertowstreaming.internal.HandlerContext;
import io.github.undertowstreaming.internal.Jmx;
import io.github.undertowstreaming.internal.Log;
import io.github.undertowstreaming.internal.Messages;
import io.github.undertowstreaming.internal.OptionsText;
import io.github.undertowstreaming.internal.ParkingConduits;
import io.github.undertowstreaming.internal.Statistics;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.builder.HandlerBuilder;

/**
 * The outermost handler: exchanges that its skip predicate matches (by default, protocol
 * upgrades) go straight to the next handler, untouched; every other exchange gets the
 * {@link StreamingOptions} that {@link Streaming#send} will use. Put it first in the chain.
 *
 * <p>Three ways to wire it:
 * <pre>{@code
 * // in code
 * HttpHandler root = AsyncStreamingHandler.wrap(routes);
 *
 * // in Undertow's predicate language (undertow-handlers.conf, WildFly's expression-filter)
 * path-prefix('/downloads') -> async-streaming(chunk-size=65536, read-ahead=1)
 *
 * // as WildFly's custom-filter: class-name=io.github.undertowstreaming.AsyncStreamingHandler,
 * // parameters={chunkSize=65536, readAhead=1, skip="path-prefix(/api)"}
 * }</pre>
 *
 * <p>{@code handleRequest} runs wherever the chain runs (normally the IO thread) and never
 * blocks. The String setters exist for WildFly's {@code custom-filter}, which calls them once,
 * right after the constructor and before the first request, one parameter at a time in the order
 * they were configured; each checks its value at once, as the builder does. Options that only
 * work together ({@code maxDispatched} needs {@code dispatch}) are checked once they are all set,
 * whatever the order: when the options are first built, on the first of {@code handleRequest},
 * {@link #getOptions} and {@link #toString} after the setters. A handler whose parameters do not
 * go together then fails every request with the same {@code IllegalArgumentException} (Undertow
 * answers {@code 500} and logs it), which names both parameters.
 */
public final class AsyncStreamingHandler implements HttpHandler {

    private final HttpHandler next;
    /**
     * The options in force; null while custom-filter setters have changed them since they were last
     * built (then {@link #pending} holds them, and the next use builds them). Final but for those
     * setters, which run before the first request.
     */
    private volatile StreamingOptions options;
    /** What the custom-filter setters set, each value checked, not built yet; null if nothing is. Guarded by this. */
    private StreamingOptions.Builder pending;
    /** The name the statistics are registered under over JMX, or null. Guarded by this. */
    private String registeredName;
    private final Statistics statistics = new Statistics();
    /** What each exchange gets: this handler's options and counters, for Streaming.send and the servlet entry point. */
    private final HandlerContext context = new HandlerContext(this::options, statistics);
    /** {@code max-dispatched}, or null without a limit; made with the options, before they are published. */
    private volatile DispatchGate dispatchGate;
    /** Transparent mode's conduit wrappers, with the options' minimum rates; made again with the options. */
    private volatile ParkingConduits parking;
    /** Whether the server's buffer pool was checked for per-thread caches (transparent mode). */
    private volatile boolean poolChecked;
    /** Whether an exchange whose waits cannot park (AJP) was reported (transparent mode). */
    private volatile boolean notParkedReported;
    /** Transparent mode: tells once per context path that the application's own executor kept its exchanges. */
    private final ForeignDispatch foreignDispatch = new ForeignDispatch();

    /**
     * With {@link StreamingOptions#defaults()}; also the constructor WildFly's custom-filter calls.
     *
     * @param next the handler every exchange goes on to
     */
    public AsyncStreamingHandler(HttpHandler next) {
        this(next, StreamingOptions.defaults());
    }

    /**
     * With {@code options}.
     *
     * @param next the handler every exchange goes on to
     * @param options what the exchanges it does not skip get
     */
    public AsyncStreamingHandler(HttpHandler next, StreamingOptions options) {
        this.next = Messages.MESSAGES.checkNotNull("next", next);
        Messages.MESSAGES.checkNotNull("options", options);
        if (options.name() != null) {
            Jmx.register(options.name(), statistics);
            registeredName = options.name();
        }
        this.dispatchGate = gate(options, statistics);
        this.parking = new ParkingConduits(options, statistics);
        this.options = options;
    }

    private static DispatchGate gate(StreamingOptions o, Statistics statistics) {
        return o.dispatch() != null && o.maxDispatched() > 0 ? new DispatchGate(o.dispatch(), o.maxDispatched(), statistics) : null;
    }

    /**
     * {@return {@code next}, wrapped with the default options}
     *
     * @param next the handler every exchange goes on to
     */
    public static AsyncStreamingHandler wrap(HttpHandler next) {
        return new AsyncStreamingHandler(next);
    }

    /**
     * {@return {@code next}, wrapped with {@code options}}
     *
     * @param options what the exchanges it does not skip get
     * @param next the handler every exchange goes on to
     */
    public static AsyncStreamingHandler wrap(StreamingOptions options, HttpHandler next) {
        return new AsyncStreamingHandler(next, options);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        StreamingOptions o = options();
        if (o.skip().resolve(exchange)) {
            next.handleRequest(exchange);
            return;
        }
        context.attachTo(exchange);
        if (o.dispatch() != null) {
            // transparent mode: existing blocking code runs there, and waits by parking
            if (!poolChecked) {
                poolChecked = true;
                ParkingConduits.checkPool(exchange, toString());
            }
            DispatchGate gate = dispatchGate;
            Executor ours = gate == null ? o.dispatch() : gate.forExchange(exchange);
            exchange.setDispatchExecutor(ours);
            if (!parking.addTo(exchange) && !notParkedReported) {
                notParkedReported = true;
                Log.ROOT.waitsNotParked(toString(), exchange.getConnection().getTransportProtocol());
            }
            FailedWriterAbort.addTo(exchange);
            next.handleRequest(exchange);
            // a deployment with an executor of its own (DeploymentInfo.setExecutor) keeps it
            foreignDispatch.afterCall(exchange, ours, this);
            return;
        }
        next.handleRequest(exchange);
    }

    /** {@return the handler every exchange goes on to} */
    public HttpHandler getNext() {
        return next;
    }

    /**
     * The options in force.
     *
     * @return the options, built now if the custom-filter setters changed them
     * @throws IllegalArgumentException if the custom-filter setters set options that do not go
     *     together (see the class comment)
     */
    public StreamingOptions getOptions() {
        return options();
    }

    private StreamingOptions options() {
        StreamingOptions o = options;
        return o != null ? o : build();
    }

    /** Builds what the setters set: the cross-checks of {@link StreamingOptions.Builder#build} run here. */
    private synchronized StreamingOptions build() {
        StreamingOptions o = options;
        if (o == null) {
            o = pending.build(); // throws, naming both options, for options that do not go together
            pending = null;
            if (o.name() != null && !o.name().equals(registeredName)) {
                Jmx.register(o.name(), statistics);
                registeredName = o.name();
            }
            dispatchGate = gate(o, statistics);
            parking = new ParkingConduits(o, statistics);
            options = o;
        }
        return o;
    }

    /**
     * A snapshot of this handler's stream counters; cheap, from any thread. A handler with a
     * {@linkplain StreamingOptions.Builder#name name} also shows them over JMX, as
     * {@code io.github.undertowstreaming:type=AsyncStreamingHandler,name=NAME}.
     *
     * @return the counters of this handler's streams and dispatched exchanges
     */
    public Streaming.Stats statistics() {
        return new Streaming.Stats(statistics);
    }

    /**
     * custom-filter parameter {@code skip}: a predicate in Undertow's predicate language.
     *
     * @param predicate the parameter's text, checked at once
     */
    public void setSkip(String predicate) {
        set("skip", predicate);
    }

    /**
     * custom-filter parameter {@code chunkSize}, as {@link StreamingOptions.Builder#chunkSize}.
     *
     * @param bytes the parameter's text, checked at once
     */
    public void setChunkSize(String bytes) {
        set("chunk-size", bytes);
    }

    /**
     * custom-filter parameter {@code readAhead}, as {@link StreamingOptions.Builder#readAhead}.
     *
     * @param chunks the parameter's text, checked at once
     */
    public void setReadAhead(String chunks) {
        set("read-ahead", chunks);
    }

    /**
     * custom-filter parameter {@code readBudget}, as {@link StreamingOptions.Builder#readBudget}.
     *
     * @param bytes the parameter's text, checked at once
     */
    public void setReadBudget(String bytes) {
        set("read-budget", bytes);
    }

    /**
     * custom-filter parameter {@code maxStreams}, as {@link StreamingOptions.Builder#maxStreams}.
     *
     * @param streams the parameter's text, checked at once
     */
    public void setMaxStreams(String streams) {
        set("max-streams", streams);
    }

    /**
     * custom-filter parameter {@code readTimeout}, in milliseconds, as {@link StreamingOptions.Builder#readTimeout}.
     *
     * @param millis the parameter's text, checked at once
     */
    public void setReadTimeout(String millis) {
        set("read-timeout", millis);
    }

    /**
     * custom-filter parameter {@code writeTimeout}, in milliseconds, as {@link StreamingOptions.Builder#writeTimeout}.
     *
     * @param millis the parameter's text, checked at once
     */
    public void setWriteTimeout(String millis) {
        set("write-timeout", millis);
    }

    /**
     * custom-filter parameter {@code dispatch}: {@code virtual} or {@code worker}, as {@link StreamingOptions.Builder#dispatch}.
     *
     * @param dispatch the parameter's text, checked at once
     */
    public void setDispatch(String dispatch) {
        set("dispatch", dispatch);
    }

    /**
     * custom-filter parameter {@code maxDispatched}, as {@link StreamingOptions.Builder#maxDispatched}.
     *
     * @param exchanges the parameter's text, checked at once
     */
    public void setMaxDispatched(String exchanges) {
        set("max-dispatched", exchanges);
    }

    /**
     * custom-filter parameter {@code minRate}, in bytes per second, as {@link StreamingOptions.Builder#minRate}.
     *
     * @param bytesPerSecond the parameter's text, checked at once
     */
    public void setMinRate(String bytesPerSecond) {
        set("min-rate", bytesPerSecond);
    }

    /**
     * custom-filter parameter {@code minRateGrace}, in milliseconds, as {@link StreamingOptions.Builder#minRateGrace}.
     *
     * @param millis the parameter's text, checked at once
     */
    public void setMinRateGrace(String millis) {
        set("min-rate-grace", millis);
    }

    /**
     * custom-filter parameter {@code minRequestRate}, in bytes per second, as {@link StreamingOptions.Builder#minRequestRate}.
     *
     * @param bytesPerSecond the parameter's text, checked at once
     */
    public void setMinRequestRate(String bytesPerSecond) {
        set("min-request-rate", bytesPerSecond);
    }

    /**
     * custom-filter parameter {@code name}, as {@link StreamingOptions.Builder#name}.
     *
     * @param name the parameter's text, checked at once
     */
    public void setName(String name) {
        set("name", name);
    }

    /**
     * Applies one custom-filter parameter: its value is checked at once (a refused one changes
     * nothing); the options are built, and checked as a whole, on their next use.
     */
    private synchronized void set(String name, String value) {
        StreamingOptions.Builder b = pending != null ? pending : options.toBuilder();
        OptionsText.apply(b, name, value);
        pending = b;
        options = null;
    }

    /**
     * The handler in the predicate language: parsing this text gives the same handler back. For
     * custom-filter parameters that do not go together, the message that says why instead.
     */
    @Override
    public String toString() {
        try {
            return OptionsText.format(options());
        } catch (IllegalArgumentException e) {
            return OptionsText.NAME + " (" + e.getMessage() + ")";
        }
    }

    /**
     * {@code async-streaming}, for Undertow's predicate language: parameters {@code skip}
     * (predicate text, also the default parameter), {@code chunk-size}, {@code read-ahead},
     * {@code read-budget} and the others of {@link OptionsText#PARAMETERS}. A bad value fails when
     * the text is parsed, naming the parameter; so do parameters that only work together set
     * apart ({@code max-dispatched} without {@code dispatch}), naming both.
     */
    public static final class Builder implements HandlerBuilder {

        /** The builder, as Undertow's service loader makes it. */
        public Builder() {
        }

        @Override
        public String name() {
            return OptionsText.NAME;
        }

        @Override
        public Map<String, Class<?>> parameters() {
            return OptionsText.PARAMETERS;
        }

        @Override
        public Set<String> requiredParameters() {
            return Set.of();
        }

        @Override
        public String defaultParameter() {
            return "skip";
        }

        @Override
        public HandlerWrapper build(Map<String, Object> config) {
            StreamingOptions.Builder b = StreamingOptions.builder();
            for (Map.Entry<String, Object> e : config.entrySet()) {
                OptionsText.apply(b, e.getKey(), e.getValue());
            }
            return new Wrapper(b.build());
        }
    }

    private static final class Wrapper implements HandlerWrapper {
        private final StreamingOptions options;

        Wrapper(StreamingOptions options) {
            this.options = options;
        }

        @Override
        public HttpHandler wrap(HttpHandler handler) {
            return new AsyncStreamingHandler(handler, options);
        }
    }
}
