package io.github.undertowstreaming.demo;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.xnio.Options;
import org.xnio.XnioWorker;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingOptions;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;

/**
 * The demo: an embedded Undertow on 127.0.0.1 serving {@link DemoRoutes} behind an
 * {@link AsyncStreamingHandler}, in every mode the library has. Plain HTTP serves HTTP/1.1 and
 * h2c (HTTP/2 by prior knowledge or by upgrade); {@code --tls} adds HTTPS with HTTP/2 by ALPN, on
 * a self-signed certificate made at start ({@link SelfSigned}); {@code --dispatch virtual} puts
 * the handler in transparent mode, so that the blocking routes run on virtual threads whose waits
 * for a slow client park them, at most {@code --max-dispatched} at once. {@link #main} starts it on
 * port 8080 (or {@code --port N}, 0 for any free port), prints what to try
 * ({@link #printRoutes}) and serves until the process is stopped; the benchmark and the tests
 * start it with {@link #start(Settings)} and stop it with {@link #close()}.
 *
 * <pre>{@code
 * try (DemoServer server = DemoServer.start(DemoServer.settings().port(0).workerThreads(8))) {
 *     URI uri = server.uri("/bytes?size=1048576");
 * }
 * }</pre>
 */
public final class DemoServer implements AutoCloseable {

    /** Undertow's pooled buffers here: 16 KiB, so a library chunk is 16 KiB. */
    public static final int BUFFER_SIZE = 16 * 1024;

    private static final String HOST = "127.0.0.1";

    /** {@code --max-dispatched} when {@code --dispatch virtual} is given and it is not. */
    public static final int DEFAULT_MAX_DISPATCHED = 256;

    private final Undertow undertow;
    private final int port;
    private final int tlsPort;
    private final Settings settings;

    private DemoServer(Undertow undertow, Settings settings) {
        this.undertow = undertow;
        this.settings = settings;
        undertow.start();
        this.port = port(undertow, "http");
        this.tlsPort = port(undertow, "https");
    }

    private static int port(Undertow undertow, String protocol) {
        for (Undertow.ListenerInfo info : undertow.getListenerInfo()) {
            if (info.getProtcol().equals(protocol)) {
                return ((InetSocketAddress) info.getAddress()).getPort();
            }
        }
        return -1;
    }

    public static Settings settings() {
        return new Settings();
    }

    /** Starts a server with {@code settings}; returns once it listens. */
    public static DemoServer start(Settings settings) {
        java.util.concurrent.atomic.AtomicReference<AsyncStreamingHandler> front = new java.util.concurrent.atomic.AtomicReference<>();
        HttpHandler routes = DemoRoutes.handler(() -> front.get() == null ? Streaming.stats() : front.get().statistics());
        if (settings.asyncStreaming) {
            front.set(new AsyncStreamingHandler(routes, settings.options));
        }
        HttpHandler chain = settings.asyncStreaming ? front.get() : routes;
        java.util.concurrent.Executor plain = settings.plainDispatch;
        HttpHandler root = plain == null ? chain : exchange -> {
            exchange.setDispatchExecutor(plain);
            chain.handleRequest(exchange);
        };
        Undertow.Builder b = Undertow.builder()
                .addHttpListener(settings.port, HOST)
                .setIoThreads(settings.ioThreads)
                .setWorkerThreads(settings.workerThreads)
                .setBufferSize(BUFFER_SIZE)
                // h2c on the plain listener (prior knowledge and upgrade), h2 by ALPN on the TLS one
                .setServerOption(UndertowOptions.ENABLE_HTTP2, true)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 60_000)
                .setSocketOption(Options.REUSE_ADDRESSES, true)
                .setSocketOption(Options.BACKLOG, settings.backlog)
                .setWorkerOption(Options.WORKER_NAME, settings.name)
                .setHandler(root);
        if (settings.sendBuffer > 0) {
            b.setSocketOption(Options.SEND_BUFFER, settings.sendBuffer);
        }
        if (settings.listenerTimeout > 0) {
            b.setSocketOption(Options.READ_TIMEOUT, settings.listenerTimeout)
                    .setSocketOption(Options.WRITE_TIMEOUT, settings.listenerTimeout);
        }
        if (settings.bufferPool != null) {
            b.setByteBufferPool(settings.bufferPool);
        }
        if (settings.tls) {
            b.addHttpsListener(settings.tlsPort, HOST, SelfSigned.serverContext());
        }
        return new DemoServer(b.build(), settings);
    }

    /** The port it listens on: the one asked for, or the one the system chose for port 0. */
    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:port}. */
    public String base() {
        return "http://" + HOST + ":" + port;
    }

    /** The HTTPS listener's port, or -1 without {@code --tls}. */
    public int tlsPort() {
        return tlsPort;
    }

    /** {@code https://127.0.0.1:tlsPort}, or null without {@code --tls}. */
    public String tlsBase() {
        return tlsPort < 0 ? null : "https://" + HOST + ":" + tlsPort;
    }

    public URI uri(String pathAndQuery) {
        return URI.create(base() + pathAndQuery);
    }

    public Undertow undertow() {
        return undertow;
    }

    /** The XNIO worker: its MXBean counts busy worker threads. */
    public XnioWorker worker() {
        return undertow.getWorker();
    }

    public Settings getSettings() {
        return settings;
    }

    /** Stops the server: closes the listener and every connection, and ends the worker. */
    @Override
    public void close() {
        undertow.stop();
    }

    /**
     * How the demo names the dispatch executor of {@code options}: {@code worker} (none: Undertow's
     * worker), {@code virtual} ({@link StreamingOptions#virtualThreads()}), or {@code executor}.
     */
    static String dispatchName(StreamingOptions options) {
        java.util.concurrent.Executor e = options.dispatch();
        if (e == null) {
            return "worker";
        }
        // before Java 21 there are no virtual threads, and asking for them throws
        return Runtime.version().feature() >= 21 && e == StreamingOptions.virtualThreads() ? "virtual" : "executor";
    }

    /** A thing to try, as the banner prints it: what it shows, and the curl command that shows it. */
    public record Try(String what, String curl) {
    }

    /**
     * What the banner offers to try besides the routes: the route {@code /hello} over each
     * protocol the server speaks, printing the protocol curl got ({@code hello (HTTP/2)}); the
     * thread a blocking route ran on ({@code X-Demo-Thread}); and a slow client of a blocking
     * route, to watch in {@code /stats}.
     */
    public List<Try> tries() {
        String hello = "'" + base() + HelloRoute.PATH + "'";
        String version = " -w ' (HTTP/%{http_version})\\n' ";
        List<Try> tries = new ArrayList<>();
        tries.add(new Try("HTTP/1.1", "curl -s --http1.1" + version + hello));
        tries.add(new Try("h2c", "curl -s --http2-prior-knowledge" + version + hello));
        tries.add(new Try("h2c by upgrade", "curl -s --http2" + version + hello));
        if (tlsPort >= 0) {
            tries.add(new Try("HTTPS, h2 by ALPN", "curl -sk --http2" + version + "'" + tlsBase() + HelloRoute.PATH + "'"));
        }
        tries.add(new Try("the thread of a blocking route", "curl -s -o /dev/null -D - '" + base() + BlockingBytesRoute.PATH
                + "?size=1' | grep -i " + BlockingBytesRoute.THREAD_HEADER));
        tries.add(new Try("a slow client of a blocking route, then /stats", "curl -s --limit-rate 20k -o /dev/null '"
                + base() + BlockingBytesRoute.PATH + "?size=104857600' & sleep 2; curl -s '" + base() + StatsRoute.PATH + "'"));
        return tries;
    }

    /** Prints the banner: the listeners, the mode, a curl line for each protocol and mode, and the routes with a curl line each. */
    public void printRoutes(PrintStream out) {
        StreamingOptions o = settings.options;
        out.println("undertow-streaming demo (" + settings.workerThreads + " worker threads, "
                + settings.ioThreads + " IO threads); stop it with Ctrl-C");
        out.println("  " + base() + "  HTTP/1.1, and HTTP/2 without TLS (h2c: prior knowledge or upgrade)");
        out.println("  " + (tlsPort >= 0 ? tlsBase() + "  HTTPS, HTTP/2 by ALPN; a self-signed certificate made at start (curl -k)"
                : "no HTTPS (--tls serves it, HTTP/2 by ALPN, with a self-signed certificate)"));
        String dispatch = dispatchName(o);
        out.println("  " + (o.dispatch() != null
                ? "transparent mode (dispatch=" + dispatch + (o.maxDispatched() > 0 ? ", max-dispatched=" + o.maxDispatched() : "")
                        + "): blocking routes run on " + (dispatch.equals("virtual") ? "virtual threads" : "its threads")
                        + ", parked while a client is slow"
                : "blocking routes run on worker threads, held while a client is slow (--dispatch virtual: transparent mode)"));
        out.println();
        for (Try t : tries()) {
            out.println("  " + t.what());
            out.println("    " + t.curl());
        }
        for (DemoRoutes.Route r : DemoRoutes.ROUTES) {
            out.println();
            out.println("  " + r.path() + "  " + r.description());
            out.println("    " + r.curl(base()));
        }
        out.println();
    }

    /**
     * {@code [--port N] [--workers N] [--io-threads N] [--tls] [--tls-port N] [--dispatch worker|virtual]
     * [--max-dispatched N]}: starts the demo and serves until the process is stopped (Ctrl-C), then
     * stops the server. A bad argument throws an {@link IllegalArgumentException} that says why.
     */
    public static void main(String[] args) throws InterruptedException {
        Settings settings = parse(args);
        if (settings == null) {
            return;
        }
        DemoServer server = start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "demo-shutdown"));
        server.printRoutes(System.out);
        stopped.await();
    }

    private static final String USAGE = "usage: DemoServer [--port N (0 to 65535, default 8080)]"
            + " [--workers N (1 to 4096)] [--io-threads N (1 to 256)] [--tls (HTTPS, self-signed)]"
            + " [--tls-port N (0 to 65535, default 8443; implies --tls)] [--dispatch worker|virtual (default worker;"
            + " virtual: transparent mode, Java 21+)] [--max-dispatched N (with --dispatch virtual; default "
            + DEFAULT_MAX_DISPATCHED + ", 0: no limit)]";

    /**
     * The settings {@code args} ask for; null after printing the usage for {@code --help}. The
     * options' own checks apply: {@code --dispatch virtual} on Java 17 is refused with the
     * library's message, and so is {@code --max-dispatched} without it.
     */
    public static Settings parse(String[] args) {
        Settings s = settings().port(8080).tlsPort(8443);
        String dispatch = "worker";
        Integer maxDispatched = null;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help") || name.equals("-h")) {
                System.out.println(USAGE);
                return null;
            }
            if (name.equals("--tls")) {
                s.tls(true);
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown argument or missing value: \"" + name + "\"; " + USAGE);
            }
            String value = args[++i];
            switch (name) {
                case "--port" -> s.port(whole(name, value, 0, 65535));
                case "--workers" -> s.workerThreads(whole(name, value, 1, 4096));
                case "--io-threads" -> s.ioThreads(whole(name, value, 1, 256));
                case "--tls-port" -> s.tlsPort(whole(name, value, 0, 65535)).tls(true);
                case "--dispatch" -> dispatch = value;
                case "--max-dispatched" -> maxDispatched = whole(name, value, 0, StreamingOptions.MAX_MAX_STREAMS);
                default -> throw new IllegalArgumentException("unknown argument \"" + name + "\"; " + USAGE);
            }
        }
        StreamingOptions.Builder options = StreamingOptions.builder();
        switch (dispatch) {
            case "worker" -> { }
            case "virtual" -> options.dispatch(StreamingOptions.virtualThreads()) // refused before Java 21
                    .maxDispatched(maxDispatched == null ? DEFAULT_MAX_DISPATCHED : maxDispatched);
            default -> throw new IllegalArgumentException("--dispatch must be worker or virtual, but was \"" + dispatch + "\"");
        }
        if (dispatch.equals("worker") && maxDispatched != null) {
            options.maxDispatched(maxDispatched); // build() refuses it, with the library's message
        }
        return s.options(options.build());
    }

    private static int whole(String name, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max
                + ", but was \"" + value + "\"");
    }

    /** How to start a server. Mutable; read once by {@link #start}. */
    public static final class Settings {
        private int port;
        private int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private int workerThreads = 8 * ioThreads;
        private int sendBuffer;
        private int backlog = 2048;
        private int listenerTimeout;
        private boolean asyncStreaming = true;
        private StreamingOptions options = StreamingOptions.defaults();
        private java.util.concurrent.Executor plainDispatch;
        private io.undertow.connector.ByteBufferPool bufferPool;
        private String name = "demo";
        private boolean tls;
        private int tlsPort;

        private Settings() {
        }

        /** Whether to serve HTTPS too (HTTP/2 by ALPN), with a self-signed certificate made at start. */
        public Settings tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /** The HTTPS port, with {@link #tls}; 0 (the default here) picks a free one, which {@link DemoServer#tlsPort()} tells. */
        public Settings tlsPort(int port) {
            this.tlsPort = port;
            return this;
        }

        /** The port; 0 (the default here) picks a free one, which {@link DemoServer#port()} tells. */
        public Settings port(int port) {
            this.port = port;
            return this;
        }

        public Settings ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** Worker threads; by default 8 per IO thread, as Undertow does. */
        public Settings workerThreads(int workerThreads) {
            this.workerThreads = workerThreads;
            return this;
        }

        /** The server sockets' send buffer ({@code SO_SNDBUF}) in bytes; 0 leaves the kernel's. */
        public Settings sendBuffer(int bytes) {
            this.sendBuffer = bytes;
            return this;
        }

        public Settings backlog(int backlog) {
            this.backlog = backlog;
            return this;
        }

        /**
         * The listener's read and write timeout ({@code Options.READ_TIMEOUT} and {@code WRITE_TIMEOUT}),
         * in milliseconds, as WildFly sets 90,000 on every listener; 0 (the default): none.
         */
        public Settings listenerTimeouts(int millis) {
            this.listenerTimeout = millis;
            return this;
        }

        /** Whether an {@link AsyncStreamingHandler} is the outermost handler (the default). */
        public Settings asyncStreaming(boolean asyncStreaming) {
            this.asyncStreaming = asyncStreaming;
            return this;
        }

        /** The options the {@link AsyncStreamingHandler} attaches. */
        public Settings options(StreamingOptions options) {
            this.options = options;
            return this;
        }

        /**
         * A dispatch executor that the outermost handler sets on every exchange with
         * {@code exchange.setDispatchExecutor}, the plain way to run blocking handlers elsewhere
         * (Spring Boot's way to virtual threads): their waits for the socket stay XNIO's. Null
         * (the default): none.
         */
        public Settings plainDispatch(java.util.concurrent.Executor executor) {
            this.plainDispatch = executor;
            return this;
        }

        /**
         * The server's buffer pool; null (the default): {@code Undertow.builder()}'s own, of
         * {@link #BUFFER_SIZE} buffers. Its buffers must be {@link #BUFFER_SIZE} bytes.
         */
        public Settings bufferPool(io.undertow.connector.ByteBufferPool pool) {
            this.bufferPool = pool;
            return this;
        }

        /**
         * The XNIO worker's name, which its threads carry ("name I/O-1", "name task-1"); give each
         * server in a JVM its own, since busy workers are counted by this name.
         */
        public Settings name(String name) {
            this.name = name;
            return this;
        }

        public int workerThreads() {
            return workerThreads;
        }

        public int ioThreads() {
            return ioThreads;
        }

        public int sendBuffer() {
            return sendBuffer;
        }

        public String name() {
            return name;
        }

        public StreamingOptions options() {
            return options;
        }
    }
}
