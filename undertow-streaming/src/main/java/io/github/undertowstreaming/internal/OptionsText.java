package io.github.undertowstreaming.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import io.github.undertowstreaming.StreamingOptions;
import io.undertow.predicate.Predicate;
import io.undertow.server.handlers.builder.PredicatedHandlersParser;

/**
 * {@link StreamingOptions} as text: the parameters of the {@code async-streaming} handler in
 * Undertow's predicate language, and the String setters that WildFly's {@code custom-filter}
 * calls. One place parses and prints them, so every way of configuring checks values the same.
 */
public final class OptionsText {

    /** The handler's name in the predicate language. */
    public static final String NAME = "async-streaming";

    /** Parameter names and the types Undertow's parser converts their values to. */
    public static final Map<String, Class<?>> PARAMETERS;

    static {
        Map<String, Class<?>> p = new LinkedHashMap<>();
        p.put("skip", String.class);
        p.put("chunk-size", Integer.class);
        p.put("read-ahead", Integer.class);
        p.put("read-budget", Long.class);
        p.put("max-streams", Integer.class);
        p.put("read-timeout", Long.class);
        p.put("write-timeout", Long.class);
        p.put("name", String.class);
        p.put("dispatch", String.class);
        p.put("max-dispatched", Integer.class);
        p.put("min-rate", Long.class);
        p.put("min-rate-grace", Long.class);
        p.put("min-request-rate", Long.class);
        PARAMETERS = java.util.Collections.unmodifiableMap(p);
    }

    /**
     * What a parameter takes, for descriptions that show it (the WildFly subsystem's model): the
     * least and the most value of a number (null: no bound), the words a text takes (empty: any
     * text), and the default as it would be written (null: none that a value says, as for
     * {@code chunk-size}, whose default is two of the server's buffers, or {@code skip}). The
     * checks themselves stay {@link #apply}'s, with its messages.
     */
    public record Spec(Long min, Long max, List<String> words, String defaultValue) {
    }

    /** The {@link Spec} of every parameter of {@link #PARAMETERS}, in the same order. */
    public static final Map<String, Spec> SPECS;

    static {
        StreamingOptions d = StreamingOptions.defaults();
        long maxMillis = StreamingOptions.MAX_TIMEOUT.toMillis();
        Map<String, Spec> p = new LinkedHashMap<>();
        p.put("skip", new Spec(null, null, List.of(), null));
        p.put("chunk-size", new Spec(1L, (long) StreamingOptions.MAX_CHUNK_SIZE, List.of(), null));
        p.put("read-ahead", new Spec(0L, (long) StreamingOptions.MAX_READ_AHEAD, List.of(), Integer.toString(d.readAhead())));
        p.put("read-budget", new Spec(1L, Long.MAX_VALUE, List.of(), Long.toString(d.readBudget())));
        p.put("max-streams", new Spec(0L, (long) StreamingOptions.MAX_MAX_STREAMS, List.of(), Integer.toString(d.maxStreams())));
        p.put("read-timeout", new Spec(0L, maxMillis, List.of(), Long.toString(d.readTimeout().toMillis())));
        p.put("write-timeout", new Spec(0L, maxMillis, List.of(), Long.toString(d.writeTimeout().toMillis())));
        p.put("name", new Spec(null, null, List.of(), null));
        p.put("dispatch", new Spec(null, null, List.of("virtual", "worker"), "worker"));
        p.put("max-dispatched", new Spec(0L, (long) StreamingOptions.MAX_MAX_STREAMS, List.of(), Integer.toString(d.maxDispatched())));
        p.put("min-rate", new Spec(0L, StreamingOptions.MAX_MIN_RATE, List.of(), Long.toString(d.minRate())));
        p.put("min-rate-grace", new Spec(0L, maxMillis, List.of(), Long.toString(d.minRateGrace().toMillis())));
        p.put("min-request-rate", new Spec(0L, StreamingOptions.MAX_MIN_RATE, List.of(), Long.toString(d.minRequestRate())));
        SPECS = java.util.Collections.unmodifiableMap(p);
    }

    private OptionsText() {
    }

    /**
     * Applies parameter {@code name} with {@code value}: a String (custom-filter), or a value the
     * predicate parser already converted. Throws {@link IllegalArgumentException} naming both.
     *
     * @param b the builder to set it on
     * @param name the parameter, as the predicate language names it
     * @param value its value
     * @return {@code b}
     */
    public static StreamingOptions.Builder apply(StreamingOptions.Builder b, String name, Object value) {
        switch (name) {
            case "skip":
                return b.skip(skip(String.valueOf(value)));
            case "chunk-size":
                return b.chunkSize((int) number(name, value, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case "read-ahead":
                return b.readAhead((int) number(name, value, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case "read-budget":
                return b.readBudget(number(name, value, Long.MIN_VALUE, Long.MAX_VALUE));
            case "max-streams":
                return b.maxStreams((int) number(name, value, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case "read-timeout":
                return b.readTimeout(millis(name, value));
            case "write-timeout":
                return b.writeTimeout(millis(name, value));
            case "name":
                return b.name(String.valueOf(value));
            case "dispatch":
                return b.dispatch(dispatch(String.valueOf(value)));
            case "max-dispatched":
                return b.maxDispatched((int) number(name, value, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case "min-rate":
                return b.minRate(number(name, value, Long.MIN_VALUE, Long.MAX_VALUE));
            case "min-rate-grace":
                return b.minRateGrace(millis(name, value));
            case "min-request-rate":
                return b.minRequestRate(number(name, value, Long.MIN_VALUE, Long.MAX_VALUE));
            default:
                throw Messages.MESSAGES.unknownParameter(name, PARAMETERS.keySet().toString());
        }
    }

    /**
     * Checks {@code value} for parameter {@code name} as {@link #apply} would, but resolves
     * nothing that depends on the JVM: {@code dispatch=virtual} passes on Java 17 too. For a value
     * checked in one JVM and applied in another: the WildFly subsystem checks what a management
     * operation writes in the JVM that runs it, which is the build's when wildfly-maven-plugin
     * configures a server offline; {@code apply} fails later, where the handler is made. Throws
     * {@link IllegalArgumentException} with {@code apply}'s message.
     *
     * @param name the parameter
     * @param value its value
     */
    public static void check(String name, Object value) {
        if (name.equals("dispatch")) {
            dispatchWord(String.valueOf(value));
        } else {
            apply(StreamingOptions.builder(), name, value);
        }
    }

    /**
     * Checks {@code dispatch} and {@code max-dispatched} as texts (either may be null), together, as
     * {@link StreamingOptions.Builder#build} would, without resolving the executor: a positive
     * {@code max-dispatched} needs a {@code dispatch} other than {@code worker}.
     *
     * @param dispatch the text of {@code dispatch}, or null
     * @param maxDispatched the text of {@code max-dispatched}, or null
     */
    public static void checkDispatchPair(String dispatch, String maxDispatched) {
        if (maxDispatched == null) {
            return;
        }
        int max = (int) number("max-dispatched", maxDispatched, 0, StreamingOptions.MAX_MAX_STREAMS);
        if (max > 0 && (dispatch == null || dispatchWord(dispatch).equals("worker"))) {
            throw Messages.MESSAGES.maxDispatchedWithoutDispatch(max);
        }
    }

    /**
     * The predicate that {@code text} describes, in Undertow's predicate language. The text is
     * kept for printing, so that printing and parsing give the same handler back.
     *
     * @param text the predicate's text
     * @return the predicate
     */
    public static Predicate skip(String text) {
        Predicate parsed;
        try {
            parsed = PredicatedHandlersParser.parsePredicate(text, OptionsText.class.getClassLoader());
        } catch (RuntimeException e) {
            throw Messages.MESSAGES.badSkip(text, e.getMessage(), e);
        }
        return new TextPredicate(parsed, text);
    }

    /**
     * The handler in the predicate language, with every option that differs from the default:
     * {@code async-streaming} or {@code async-streaming(skip='...', chunk-size=65536)}. An
     * executor has no text form and is left out.
     *
     * @param o the options
     * @return the text
     */
    public static String format(StreamingOptions o) {
        StreamingOptions d = StreamingOptions.defaults();
        StringJoiner params = new StringJoiner(", ", NAME + "(", ")").setEmptyValue(NAME);
        if (o.skip() != d.skip()) {
            params.add("skip=" + quote(o.skip().toString()));
        }
        if (o.chunkSize() != d.chunkSize()) {
            params.add("chunk-size=" + o.chunkSize());
        }
        if (o.readAhead() != d.readAhead()) {
            params.add("read-ahead=" + o.readAhead());
        }
        if (o.readBudget() != d.readBudget()) {
            params.add("read-budget=" + o.readBudget());
        }
        if (o.maxStreams() != d.maxStreams()) {
            params.add("max-streams=" + o.maxStreams());
        }
        if (!o.readTimeout().equals(d.readTimeout())) {
            params.add("read-timeout=" + o.readTimeout().toMillis());
        }
        if (!o.writeTimeout().equals(d.writeTimeout())) {
            params.add("write-timeout=" + o.writeTimeout().toMillis());
        }
        if (o.name() != null) {
            params.add("name=" + quote(o.name()));
        }
        if (o.dispatch() != null && VirtualThreads.available()
                && o.dispatch() == VirtualThreads.executor("dispatch", "virtual")) {
            params.add("dispatch=virtual"); // an executor of the user's own has no text form
        }
        if (o.maxDispatched() != d.maxDispatched()) {
            params.add("max-dispatched=" + o.maxDispatched());
        }
        if (o.minRate() != d.minRate()) {
            params.add("min-rate=" + o.minRate());
        }
        if (!o.minRateGrace().equals(d.minRateGrace())) {
            params.add("min-rate-grace=" + o.minRateGrace().toMillis());
        }
        if (o.minRequestRate() != d.minRequestRate()) {
            params.add("min-request-rate=" + o.minRequestRate());
        }
        return params.toString();
    }

    private static String quote(String text) {
        return text.indexOf('\'') < 0 ? "'" + text + "'" : '"' + text + '"';
    }

    /** {@code virtual}: one virtual thread per exchange (Java 21+); {@code worker}: Undertow's default. */
    private static java.util.concurrent.Executor dispatch(String value) {
        return dispatchWord(value).equals("virtual") ? VirtualThreads.executor("dispatch", value) : null;
    }

    /** {@code virtual} or {@code worker}, trimmed; anything else is refused. */
    private static String dispatchWord(String value) {
        String word = value.trim();
        if (!word.equals("virtual") && !word.equals("worker")) {
            throw Messages.MESSAGES.badValue("dispatch", "'virtual' or 'worker'", "'" + value + "'");
        }
        return word;
    }

    /** Milliseconds as text; a negative number is refused by the builder, naming the option. */
    private static Duration millis(String name, Object value) {
        long ms = number(name, value, Long.MIN_VALUE, Long.MAX_VALUE);
        if (ms < 0) {
            throw Messages.MESSAGES.badValue(name, "0 (no limit) or a number of milliseconds", ms);
        }
        return Duration.ofMillis(ms);
    }

    private static long number(String name, Object value, long min, long max) {
        if (value instanceof Number) {
            return ((Number) value).longValue();
        }
        String text = String.valueOf(value).trim();
        try {
            long n = Long.parseLong(text);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the name and the text
        }
        throw Messages.MESSAGES.badValue(name, "a whole number", "'" + value + "'");
    }

    /** A parsed predicate that prints as the text it was parsed from. */
    private static final class TextPredicate implements Predicate {
        private final Predicate delegate;
        private final String text;

        TextPredicate(Predicate delegate, String text) {
            this.delegate = delegate;
            this.text = text;
        }

        @Override
        public boolean resolve(io.undertow.server.HttpServerExchange exchange) {
            return delegate.resolve(exchange);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
