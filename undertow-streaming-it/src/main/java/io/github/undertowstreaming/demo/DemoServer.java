package io.github.undertowstreaming.demo;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
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
 * {@link AsyncStreamingHandler}. {@link #main} starts it on port 8080 (or {@code --port N}, 0 for
 * any free port) and serves until the process is stopped; the benchmark and the tests start it
 * with {@link #start(Settings)} and stop it with {@link #close()}.
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

    private final Undertow undertow;
    private final int port;
    private final Settings settings;

    private DemoServer(Undertow undertow, Settings settings) {
        this.undertow = undertow;
        this.settings = settings;
        undertow.start();
        this.port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
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

    /** Prints the routes with a curl line each. */
    public void printRoutes(PrintStream out) {
        out.println("undertow-streaming demo on " + base() + " (" + settings.workerThreads + " worker threads, "
                + settings.ioThreads + " IO threads); stop it with Ctrl-C");
        for (DemoRoutes.Route r : DemoRoutes.ROUTES) {
            out.println();
            out.println("  " + r.path() + "  " + r.description());
            out.println("    " + r.curl(base()));
        }
        out.println();
    }

    /**
     * {@code [--port N] [--workers N] [--io-threads N]}: starts the demo and serves until the
     * process is stopped (Ctrl-C), then stops the server.
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
            + " [--workers N (1 to 4096)] [--io-threads N (1 to 256)]";

    /** The settings {@code args} ask for; null after printing the usage for {@code --help}. */
    static Settings parse(String[] args) {
        Settings s = settings().port(8080);
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help") || name.equals("-h")) {
                System.out.println(USAGE);
                return null;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown argument or missing value: \"" + name + "\"; " + USAGE);
            }
            String value = args[++i];
            switch (name) {
                case "--port" -> s.port(whole(name, value, 0, 65535));
                case "--workers" -> s.workerThreads(whole(name, value, 1, 4096));
                case "--io-threads" -> s.ioThreads(whole(name, value, 1, 256));
                default -> throw new IllegalArgumentException("unknown argument \"" + name + "\"; " + USAGE);
            }
        }
        return s;
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

        private Settings() {
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
