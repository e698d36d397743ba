package io.github.undertowstreaming;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

import io.github.undertowstreaming.internal.Messages;
import io.undertow.attribute.ExchangeAttribute;
import io.undertow.attribute.ExchangeAttributes;
import io.undertow.predicate.Predicate;
import io.undertow.predicate.Predicates;
import io.undertow.util.Headers;

/**
 * How streams are pumped: chunk size, read-ahead, read budget, executor, and which exchanges
 * {@link AsyncStreamingHandler} passes straight through. Immutable and thread-safe; made by a
 * {@link Builder}, whose setters reject a bad value at once, naming the option and the value.
 *
 * <pre>{@code
 * StreamingOptions options = StreamingOptions.builder()
 *         .readAhead(1)
 *         .skip(Predicates.prefix("/api"))
 *         .build();
 * }</pre>
 */
public final class StreamingOptions {

    /** The largest chunk size accepted: 16 MiB. */
    public static final int MAX_CHUNK_SIZE = 16 << 20;

    /**
     * Default chunk: two of the connection's pooled buffers (32 KiB less 40 bytes with Undertow's
     * default buffers), read one after another and written with one gathering write. In the
     * published benchmark run (docs/performance/results.md, section 6: one fast loopback client,
     * 1 GiB from memory, 2 cores), against BlockingHandler writing 64 KiB arrays: one buffer per
     * chunk 1.29, two 1.98, four 1.58, eight 1.11 (the run before it: 0.74, 1.13, 0.91, 0.74).
     * Rounds on that machine spread by 20 to 40%, so two and four are close; two keep what a slow
     * client holds at 32 KiB, half of four.
     */
    public static final int DEFAULT_CHUNK_BUFFERS = 2;

    /** The largest read-ahead accepted, in chunks. */
    public static final int MAX_READ_AHEAD = 64;

    /**
     * Default read-ahead: 0. A slow client then costs exactly one buffer. Read-ahead only helps
     * when both the source and the client are slow in turns; it is an opt-in per route.
     */
    public static final int DEFAULT_READ_AHEAD = 0;

    /**
     * Default read budget: 1 MiB per executor turn. In the same run as {@link #DEFAULT_CHUNK_BUFFERS}:
     * a budget of 16 KiB gave 0.34 of BlockingHandler's speed, 256 KiB 1.35, 1 MiB 1.98, and no
     * budget at all 2.09 (the run before it: 0.34, 1.04, 1.13, 1.20). One MiB keeps a fast stream near an unbounded one, while no stream holds
     * a worker for more than one MiB of reading (under a millisecond from memory) before other
     * work gets its turn. To measure again:
     * {@code mvn -B -q -DskipTests -pl undertow-streaming-it -am package exec:java@bench}.
     */
    public static final long DEFAULT_READ_BUDGET = 1 << 20;

    /** The most streams {@link Builder#maxStreams} accepts. */
    public static final int MAX_MAX_STREAMS = 1 << 24;

    /**
     * Default {@code min-rate} and {@code min-request-rate}: 240 bytes per second, Kestrel's
     * default minimum data rates. A browser on a poor mobile link moves ten times that and more
     * (GPRS, the slowest link still in use, carries 2.5 KB/s and up), a slow-read or slow-POST
     * attacker (a few bytes every few seconds) far less. A client that stops reading altogether,
     * a paused media player among them, is dropped after the grace and one window; it asks again
     * (a {@code Range} request) when it goes on.
     */
    public static final long DEFAULT_MIN_RATE = 240;

    /** Default {@code min-rate-grace}: 5 s, Kestrel's. */
    public static final Duration DEFAULT_MIN_RATE_GRACE = Duration.ofSeconds(5);

    /** The largest {@code min-rate} and {@code min-request-rate} accepted: 1 GiB per second. */
    public static final long MAX_MIN_RATE = 1L << 30;

    /** The longest timeout accepted: one day. */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private static final Predicate UPGRADE_REQUESTS = upgradeRequestsButH2c();

    private static final StreamingOptions DEFAULTS = new Builder().build();

    private final int chunkSize;
    private final int readAhead;
    private final long readBudget;
    private final Executor executor;
    private final Predicate skip;
    private final int maxStreams;
    private final Duration readTimeout;
    private final Duration writeTimeout;
    private final String name;
    private final Executor dispatch;
    private final int maxDispatched;
    private final long minRate;
    private final Duration minRateGrace;
    private final long minRequestRate;

    private StreamingOptions(Builder b) {
        this.chunkSize = b.chunkSize;
        this.readAhead = b.readAhead;
        this.readBudget = b.readBudget;
        this.executor = b.executor;
        this.skip = b.skip;
        this.maxStreams = b.maxStreams;
        this.readTimeout = b.readTimeout;
        this.writeTimeout = b.writeTimeout;
        this.name = b.name;
        this.dispatch = b.dispatch;
        this.maxDispatched = b.maxDispatched;
        this.minRate = b.minRate;
        this.minRateGrace = b.minRateGrace;
        this.minRequestRate = b.minRequestRate;
    }

    /** {@return the options used where no {@link AsyncStreamingHandler} attached any} */
    public static StreamingOptions defaults() {
        return DEFAULTS;
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder that starts from these options} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.chunkSize = chunkSize;
        b.readAhead = readAhead;
        b.readBudget = readBudget;
        b.executor = executor;
        b.skip = skip;
        b.maxStreams = maxStreams;
        b.readTimeout = readTimeout;
        b.writeTimeout = writeTimeout;
        b.name = name;
        b.dispatch = dispatch;
        b.maxDispatched = maxDispatched;
        b.minRate = minRate;
        b.minRateGrace = minRateGrace;
        b.minRequestRate = minRequestRate;
        return b;
    }

    /**
     * The most bytes read per chunk; 0 means the default, {@link #DEFAULT_CHUNK_BUFFERS} of the
     * connection's pooled buffers.
     *
     * @return the chunk size in bytes, or 0 for the default
     */
    public int chunkSize() {
        return chunkSize;
    }

    /** {@return how many chunks are read while the previous one waits for the socket} */
    public int readAhead() {
        return readAhead;
    }

    /** {@return how many bytes a stream reads in one executor turn before it yields the thread} */
    public long readBudget() {
        return readBudget;
    }

    /** {@return where bodies are read; null means the connection's XNIO worker} */
    public Executor executor() {
        return executor;
    }

    /** {@return the exchanges that {@link AsyncStreamingHandler} passes straight through} */
    public Predicate skip() {
        return skip;
    }

    /** {@return the most streams in flight at once on one handler; 0 means no limit} */
    public int maxStreams() {
        return maxStreams;
    }

    /** {@return the longest one body read may take; {@link Duration#ZERO} means no limit} */
    public Duration readTimeout() {
        return readTimeout;
    }

    /**
     * {@return the longest a client may take no bytes while the pump waits on it; {@link Duration#ZERO} means no limit}
     */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /** {@return the handler's name, for its statistics over JMX; null if it has none} */
    public String name() {
        return name;
    }

    /**
     * Where dispatched exchanges run (transparent mode); null means Undertow's default, the
     * connection's worker. See {@link Builder#dispatch}.
     *
     * @return the dispatch executor, or null
     */
    public Executor dispatch() {
        return dispatch;
    }

    /** {@return the most dispatched exchanges running at once on {@link #dispatch()}; 0 means no limit} */
    public int maxDispatched() {
        return maxDispatched;
    }

    /**
     * The fewest bytes per second a client must take while the library waits for it (a stream's
     * writer, a dispatched exchange's blocking write); 0 means no minimum. See {@link Builder#minRate}.
     *
     * @return the minimum in bytes per second, or 0
     */
    public long minRate() {
        return minRate;
    }

    /** {@return how long a client is waited on before {@link #minRate} and {@link #minRequestRate} count} */
    public Duration minRateGrace() {
        return minRateGrace;
    }

    /**
     * The fewest bytes per second a client must send while a dispatched exchange's blocking read
     * of the request body waits for it; 0 means no minimum. See {@link Builder#minRequestRate}.
     *
     * @return the minimum in bytes per second, or 0
     */
    public long minRequestRate() {
        return minRequestRate;
    }

    /**
     * One virtual thread per task, for {@link Builder#dispatch}: {@code dispatch=virtual} in text.
     * One executor for the process; its threads are named {@code undertow-streaming-vt-N}.
     *
     * @return the executor, the same on every call
     * @throws IllegalArgumentException on a JVM without virtual threads (before Java 21), naming
     *     the option, the value and the Java version
     */
    public static Executor virtualThreads() {
        return io.github.undertowstreaming.internal.VirtualThreads.executor("dispatch", "virtual");
    }

    /**
     * The default skip predicate: requests that ask for a protocol upgrade, such as WebSocket
     * handshakes, other than h2c. In predicate language:
     * {@code exists(%{i,Upgrade}) and not equals(%{i,Upgrade}, 'h2c')}.
     *
     * <p>Why not h2c: Undertow's {@code Http2UpgradeHandler} runs before any handler of the chain
     * and has done the upgrade by the time this handler sees the request. What is left is an
     * ordinary request, answered as the first stream of the new HTTP/2 connection, and often
     * the download itself; skipping it would only drop the configured options for it.
     *
     * @return the predicate, the same on every call
     */
    public static Predicate upgradeRequests() {
        return UPGRADE_REQUESTS;
    }

    private static Predicate upgradeRequestsButH2c() {
        ExchangeAttribute upgrade = ExchangeAttributes.requestHeader(Headers.UPGRADE);
        return Predicates.and(Predicates.exists(upgrade),
                Predicates.not(Predicates.equals(new ExchangeAttribute[] {upgrade, ExchangeAttributes.constant("h2c")})));
    }

    @Override
    public String toString() {
        return "StreamingOptions[chunk-size=" + (chunkSize == 0 ? DEFAULT_CHUNK_BUFFERS + " buffers" : chunkSize)
                + ", read-ahead=" + readAhead + ", read-budget=" + readBudget
                + ", executor=" + (executor == null ? "worker" : executor) + ", skip=" + skip
                + ", max-streams=" + maxStreams + ", read-timeout=" + readTimeout.toMillis()
                + ", write-timeout=" + writeTimeout.toMillis() + ", name=" + name
                + ", dispatch=" + (dispatch == null ? "worker" : dispatch) + ", max-dispatched=" + maxDispatched
                + ", min-rate=" + minRate + ", min-rate-grace=" + minRateGrace.toMillis()
                + ", min-request-rate=" + minRequestRate + "]";
    }

    /** Builds {@link StreamingOptions}. Not thread-safe; each setter checks its value at once. */
    public static final class Builder {
        private int chunkSize;
        private int readAhead = DEFAULT_READ_AHEAD;
        private long readBudget = DEFAULT_READ_BUDGET;
        private Executor executor;
        private Predicate skip = UPGRADE_REQUESTS;
        private int maxStreams;
        private Duration readTimeout = Duration.ZERO;
        private Duration writeTimeout = Duration.ZERO;
        private String name;
        private Executor dispatch;
        private int maxDispatched;
        private long minRate = DEFAULT_MIN_RATE;
        private Duration minRateGrace = DEFAULT_MIN_RATE_GRACE;
        private long minRequestRate = DEFAULT_MIN_RATE;

        private Builder() {
        }

        /**
         * The most bytes read into one chunk, from 1 to {@link #MAX_CHUNK_SIZE}. A chunk is made
         * of the connection's pooled buffers: the body is read into them one read per buffer,
         * going on to the next buffer only while reads fill theirs (so a slow source is written
         * as soon as it gave something), and the chunk is written with one gathering write. By
         * default, {@link #DEFAULT_CHUNK_BUFFERS} pooled buffers. A slow client holds at most
         * one chunk per stream (plus read-ahead).
         *
         * @param bytes the most bytes per chunk
         * @return this builder
         */
        public Builder chunkSize(int bytes) {
            if (bytes < 1 || bytes > MAX_CHUNK_SIZE) {
                throw Messages.MESSAGES.badValue("chunk-size", "between 1 and " + MAX_CHUNK_SIZE, bytes);
            }
            this.chunkSize = bytes;
            return this;
        }

        /**
         * How many chunks are read ahead while the previous one waits for the socket, from 0 to
         * {@link #MAX_READ_AHEAD}. Memory per stream is at most {@code 1 + readAhead} chunks, and a
         * client that stops holds them all. In exchange a slow client's stream makes one thread hop
         * per chunk instead of two (the worker that read a chunk leaves it for the IO thread
         * already waiting for the socket), which is what CPU per byte is made of once the cores
         * are saturated by many slow clients.
         *
         * @param chunks chunks read ahead
         * @return this builder
         */
        public Builder readAhead(int chunks) {
            if (chunks < 0 || chunks > MAX_READ_AHEAD) {
                throw Messages.MESSAGES.badValue("read-ahead", "between 0 and " + MAX_READ_AHEAD, chunks);
            }
            this.readAhead = chunks;
            return this;
        }

        /**
         * How many bytes a stream may read in one turn on the executor before it goes to the back
         * of the executor's queue, at least 1. Smaller is fairer to other work, larger is faster
         * for a fast client.
         *
         * @param bytes the bytes per executor turn
         * @return this builder
         */
        public Builder readBudget(long bytes) {
            if (bytes < 1) {
                throw Messages.MESSAGES.badValue("read-budget", "at least 1", bytes);
            }
            this.readBudget = bytes;
            return this;
        }

        /**
         * Where bodies are opened, read and closed. By default, the connection's XNIO worker
         * behind the read gate, or, when {@link #dispatch} is {@link #virtualThreads()}, a virtual
         * thread per read turn. The executor must run tasks on its own threads, never on the
         * caller's: the pump submits from IO threads.
         *
         * @param executor where bodies are read; not null
         * @return this builder
         */
        public Builder executor(Executor executor) {
            this.executor = Messages.MESSAGES.checkNotNull("executor", executor);
            return this;
        }

        /**
         * The exchanges {@link AsyncStreamingHandler} passes straight to the next handler, with no
         * attachment and no allocation. By default, {@link #upgradeRequests()}. To keep upgrades
         * passing through when adding a predicate, combine them:
         * {@code Predicates.or(StreamingOptions.upgradeRequests(), Predicates.prefix("/api"))}.
         *
         * @param skip the exchanges to pass through; not null
         * @return this builder
         */
        public Builder skip(Predicate skip) {
            this.skip = Messages.MESSAGES.checkNotNull("skip", skip);
            return this;
        }

        /**
         * The most streams in flight at once on the handler these options are given to, from 0
         * (no limit, the default) to {@link #MAX_MAX_STREAMS}. Beyond it a new stream gets
         * {@code 503} with {@code Retry-After: 1} before anything is read, and its body is closed
         * unread, on the executor.
         *
         * @param streams the most streams in flight, or 0
         * @return this builder
         */
        public Builder maxStreams(int streams) {
            if (streams < 0 || streams > MAX_MAX_STREAMS) {
                throw Messages.MESSAGES.badValue("max-streams", "between 0 (no limit) and " + MAX_MAX_STREAMS, streams);
            }
            this.maxStreams = streams;
            return this;
        }

        /**
         * The longest one read of a body may take, from 1 ms to {@link #MAX_TIMEOUT};
         * {@link Duration#ZERO} (the default) for no limit. A read that takes longer fails the
         * stream as a body failure ({@code 500} before the first byte, an abort after); the
         * reading thread is interrupted and the body's {@code cancel()} called, so that a read
         * blocked on a socket or an interruptible channel returns. Checked every
         * {@code min(500 ms, timeout / 4)}, so it fires up to that much late.
         *
         * @param timeout the longest one read may take, or {@link Duration#ZERO}
         * @return this builder
         */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = timeout("read-timeout", timeout);
            return this;
        }

        /**
         * The longest a client may take no bytes while the pump waits for its socket (the final
         * flush that ends the response included: a stream counts as finished only once that flush
         * is done), from 1 ms to {@link #MAX_TIMEOUT}; {@link Duration#ZERO} (the default) for no
         * limit. A client that
         * takes longer is dropped as gone (the connection closed, or the HTTP/2 stream reset), its
         * body closed and its buffers returned. Checked as the read timeout is.
         *
         * @param timeout the longest a client may take no bytes, or {@link Duration#ZERO}
         * @return this builder
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = timeout("write-timeout", timeout);
            return this;
        }

        /**
         * The handler's name: up to 64 letters, digits, dots, dashes or underscores. A handler
         * with a name registers its statistics as the MBean
         * {@code io.github.undertowstreaming:type=AsyncStreamingHandler,name=NAME}.
         *
         * @param name the name
         * @return this builder
         */
        public Builder name(String name) {
            Messages.MESSAGES.checkNotNull("name", name);
            if (!NAME.matcher(name).matches()) {
                throw Messages.MESSAGES.badValue("name", "1 to 64 letters, digits, '.', '-' or '_'", "'" + name + "'");
            }
            this.name = name;
            return this;
        }

        /**
         * Transparent mode: every exchange the handler does not skip gets {@code executor} as its
         * dispatch executor, so that existing blocking code ({@code BlockingHandler},
         * {@code exchange.dispatch(handler)}, Undertow's servlet layer when the deployment set no
         * executor of its own) runs there, unchanged; typically {@link #virtualThreads()}. On
         * HTTP/1.x connections the handler also wraps the response and request so that a blocking
         * write or read that waits for the socket parks its thread instead of opening a selector
         * per thread (see the README). {@code null}, the default, leaves Undertow's worker. With
         * {@link #virtualThreads()} and no {@link #executor}, {@code Streaming.send} bodies are
         * read on virtual threads too.
         *
         * @param executor where dispatched exchanges run, or null for the worker
         * @return this builder
         */
        public Builder dispatch(Executor executor) {
            this.dispatch = executor;
            return this;
        }

        /**
         * With {@link #dispatch}: the most dispatched exchanges running at once, from 0 (no limit,
         * the default) to {@link #MAX_MAX_STREAMS}. As many more wait, first in first out; beyond
         * those a dispatch is refused, and Undertow answers {@code 503}, with {@code Retry-After: 1}.
         * A waiting exchange that the dispatch executor refuses when its turn comes gets the same
         * answer, on its IO thread. Without {@code dispatch} it would bound nothing:
         * {@link #build} refuses it.
         *
         * @param exchanges the most running at once, or 0
         * @return this builder
         */
        public Builder maxDispatched(int exchanges) {
            if (exchanges < 0 || exchanges > MAX_MAX_STREAMS) {
                throw Messages.MESSAGES.badValue("max-dispatched", "between 0 (no limit) and " + MAX_MAX_STREAMS, exchanges);
            }
            this.maxDispatched = exchanges;
            return this;
        }

        /**
         * A minimum data rate against slow-read attacks, in bytes per second, from 0 (none) to
         * {@link #MAX_MIN_RATE}; by default {@link #DEFAULT_MIN_RATE}. Counted over the time the
         * library waits for the client, never the time a stream waits for its own body: after
         * {@link #minRateGrace the grace}, a client that took fewer than {@code bytes × window}
         * bytes over the last window of that waiting time (the grace's length, at least a second)
         * is dropped as too slow: the HTTP/1.x connection closed abortively (RST, so that the bytes
         * queued for it in the kernel are freed at once), the HTTP/2 stream reset, the body closed
         * and the buffers returned. Covers {@code Streaming.send} streams and, in transparent mode,
         * dispatched exchanges' blocking writes (the write throws an {@code IOException}).
         *
         * @param bytesPerSecond the minimum, or 0 for none
         * @return this builder
         */
        public Builder minRate(long bytesPerSecond) {
            this.minRate = rate("min-rate", bytesPerSecond);
            return this;
        }

        /**
         * How long a client is waited on before the minimum rates count, from 0 to
         * {@link #MAX_TIMEOUT}; by default {@link #DEFAULT_MIN_RATE_GRACE}. The first tens of KiB
         * of a response vanish into kernel buffers at once: the rate is measured from the end of
         * the grace, not from the stream's start.
         *
         * @param grace the grace, not null
         * @return this builder
         */
        public Builder minRateGrace(Duration grace) {
            Messages.MESSAGES.checkNotNull("min-rate-grace", grace);
            if (grace.isNegative() || grace.compareTo(MAX_TIMEOUT) > 0) {
                throw Messages.MESSAGES.badValue("min-rate-grace", "from 0 to " + MAX_TIMEOUT.toMillis() + " ms",
                        grace.toMillis() + " ms");
            }
            this.minRateGrace = grace;
            return this;
        }

        /**
         * The same minimum for request bodies that a dispatched exchange reads in blocking style
         * (transparent mode), against slow-POST attackers, in bytes per second, from 0 (none) to
         * {@link #MAX_MIN_RATE}; by default {@link #DEFAULT_MIN_RATE}. The blocked read throws an
         * {@code IOException} and the connection is closed abortively (HTTP/2: the stream reset).
         *
         * @param bytesPerSecond the minimum, or 0 for none
         * @return this builder
         */
        public Builder minRequestRate(long bytesPerSecond) {
            this.minRequestRate = rate("min-request-rate", bytesPerSecond);
            return this;
        }

        private static long rate(String option, long bytesPerSecond) {
            if (bytesPerSecond < 0 || bytesPerSecond > MAX_MIN_RATE) {
                throw Messages.MESSAGES.badValue(option, "between 0 (none) and " + MAX_MIN_RATE + " bytes per second",
                        bytesPerSecond);
            }
            return bytesPerSecond;
        }

        private static Duration timeout(String option, Duration timeout) {
            Messages.MESSAGES.checkNotNull(option, timeout);
            if (!timeout.isZero() && (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0)) {
                throw Messages.MESSAGES.badValue(option, "0 (no limit) or from 1 ms to " + MAX_TIMEOUT.toMillis() + " ms", timeout.toMillis() + " ms");
            }
            return timeout;
        }

        /**
         * The options. Each setter checked its own value; this checks the options that only work
         * together: {@code max-dispatched} needs {@code dispatch}.
         *
         * @return the options, immutable
         * @throws IllegalArgumentException naming both options, if {@link #maxDispatched} is set
         *     without {@link #dispatch}
         */
        public StreamingOptions build() {
            if (maxDispatched > 0 && dispatch == null) {
                throw Messages.MESSAGES.maxDispatchedWithoutDispatch(maxDispatched);
            }
            return new StreamingOptions(this);
        }
    }
}
