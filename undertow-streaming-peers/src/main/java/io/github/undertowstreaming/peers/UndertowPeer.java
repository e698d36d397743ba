package io.github.undertowstreaming.peers;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.StreamingOptions;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.Headers;

/**
 * Undertow, four ways, on {@code Undertow.builder()}'s defaults (IO threads: the cores, at least
 * two; 8 worker threads per IO thread; 16 KiB direct buffers) with one buffer pool for all four:
 * <ul>
 * <li>{@value #VIRTUAL}: {@code BlockingHandler} and {@code exchange.getOutputStream()} on a
 * virtual thread per exchange, set with {@code exchange.setDispatchExecutor}, the plain way (its
 * waits for the socket are XNIO's temporary selectors);
 * <li>{@value #BLOCKING}: the same handler on the XNIO worker's platform threads;
 * <li>{@value #PULL_PUMP}: the library's {@code Streaming.send}, its defaults (reads on the worker);
 * <li>{@value #TRANSPARENT}: the library's transparent mode ({@code dispatch=virtual}) in front of
 * the blocking handler, which it runs on virtual threads whose waits park.
 * </ul>
 * Two settings of the pull pump, for a run that names them ({@code -Dbench.peers}): not peers,
 * but what its CPU per byte costs in memory and where its hops go:
 * {@value #PULL_PUMP_READ_AHEAD} ({@code read-ahead=1}: the next chunk is read while the client
 * takes the last one) and {@value #PULL_PUMP_VIRTUAL_READS} (reads on a virtual thread per turn,
 * {@code executor(StreamingOptions.virtualThreads())}, instead of the XNIO worker).
 * {@code /ping} is a {@code BlockingHandler} in every way, so it runs where a download runs: on a
 * virtual thread with a dispatch executor, on the worker without one.
 */
final class UndertowPeer implements Peer {

    static final String VIRTUAL = "undertow-virtual";
    static final String BLOCKING = "undertow-blocking";
    static final String PULL_PUMP = "pull-pump";
    static final String TRANSPARENT = "transparent";
    static final String PULL_PUMP_READ_AHEAD = "pull-pump-read-ahead";
    static final String PULL_PUMP_VIRTUAL_READS = "pull-pump-virtual-reads";

    /**
     * The pool of every Undertow way: shared by all threads, none cached per thread, the advice of
     * the library's README for a thread per exchange (the builder's own pool caches per thread and
     * shares nothing, so each virtual thread's buffers would wait for the garbage collector).
     */
    private static final int POOL_MAX = 1024;

    private final Undertow server;
    private final String settings;

    private UndertowPeer(Undertow server, String settings) {
        this.server = server;
        this.settings = settings;
    }

    /**
     * @param keepStalled whether a client that stops reading must be kept (the memory pass): the
     *                    library then runs with {@code min-rate=0}, since its default drops such a
     *                    client after its grace, which a measurement of stalled streams must not see
     */
    static UndertowPeer start(String id, int backlog, int sendBuffer, boolean keepStalled) {
        StreamingOptions.Builder library = StreamingOptions.builder();
        if (keepStalled) {
            library.minRate(0);
        }
        HttpHandler ping = new BlockingHandler(UndertowPeer::pong);
        HttpHandler root;
        String way;
        switch (id) {
            case VIRTUAL -> {
                Executor virtual = Executors.newVirtualThreadPerTaskExecutor();
                HttpHandler routes = routes(new BlockingHandler(UndertowPeer::write), ping);
                root = exchange -> {
                    exchange.setDispatchExecutor(virtual);
                    routes.handleRequest(exchange);
                };
                way = "BlockingHandler + exchange.getOutputStream() on a virtual thread per exchange"
                        + " (exchange.setDispatchExecutor(Executors.newVirtualThreadPerTaskExecutor()))";
            }
            case BLOCKING -> {
                root = routes(new BlockingHandler(UndertowPeer::write), ping);
                way = "BlockingHandler + exchange.getOutputStream() on the XNIO worker's platform threads";
            }
            case PULL_PUMP, PULL_PUMP_READ_AHEAD, PULL_PUMP_VIRTUAL_READS -> {
                List<String> changed = new ArrayList<>();
                if (keepStalled) {
                    changed.add("min-rate=0");
                }
                if (id.equals(PULL_PUMP_READ_AHEAD)) {
                    library.readAhead(1);
                    changed.add("read-ahead=1");
                } else if (id.equals(PULL_PUMP_VIRTUAL_READS)) {
                    library.executor(StreamingOptions.virtualThreads());
                    changed.add("executor(StreamingOptions.virtualThreads())");
                }
                root = new AsyncStreamingHandler(routes(UndertowPeer::send, ping), library.build());
                way = "the library's pull pump: Streaming.send(exchange, StreamingBody.ofInputStream(...)) behind"
                        + " AsyncStreamingHandler with its defaults" + (changed.isEmpty() ? "" : " but " + String.join(" and ", changed));
            }
            case TRANSPARENT -> {
                library.dispatch(StreamingOptions.virtualThreads());
                root = new AsyncStreamingHandler(routes(new BlockingHandler(UndertowPeer::write), ping), library.build());
                way = "the library's transparent mode: AsyncStreamingHandler with dispatch=virtual and its other defaults"
                        + (keepStalled ? " but min-rate=0" : "") + " in front of BlockingHandler + exchange.getOutputStream()";
            }
            default -> throw new IllegalArgumentException("no Undertow peer \"" + id + "\"");
        }
        Undertow server = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setSocketOption(Options.BACKLOG, backlog)
                .setSocketOption(Options.SEND_BUFFER, sendBuffer)
                .setByteBufferPool(new DefaultByteBufferPool(true, CHUNK, POOL_MAX, 0))
                .setHandler(root)
                .build();
        server.start();
        return new UndertowPeer(server, "Undertow " + io.undertow.Version.getVersionString() + ", " + way
                + "; Undertow.builder() with its defaults (" + server.getWorker().getIoThreadCount() + " IO threads, "
                + server.getWorker().getMXBean().getMaxWorkerPoolSize() + " worker threads) but host, port, backlog, the"
                + " connections' send buffer (Options.SEND_BUFFER) and the buffer pool: new DefaultByteBufferPool(true, " + CHUNK + ", " + POOL_MAX + ", 0), shared, none"
                + " cached per thread, the same for the four Undertow peers (sources: io.undertow.Undertow and"
                + " io.undertow.server.DefaultByteBufferPool of undertow-core, the library's README on buffer pools)");
    }

    private static HttpHandler routes(HttpHandler download, HttpHandler ping) {
        return Handlers.path().addExactPath("/bytes", download).addExactPath("/ping", ping);
    }

    /** The download, blocking: runs on the thread the exchange was dispatched to. */
    private static void write(HttpServerExchange exchange) throws Exception {
        long size = size(exchange);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
        exchange.setResponseContentLength(size);
        try (OutputStream out = exchange.getOutputStream()) {
            Peer.copy(size, out);
        }
    }

    /** The download through the pull pump: called on the IO thread, reads on the executor. */
    private static void send(HttpServerExchange exchange) {
        long size = size(exchange);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
        Streaming.send(exchange, StreamingBody.ofInputStream(() -> Peer.body(size), size));
    }

    private static long size(HttpServerExchange exchange) {
        java.util.Deque<String> values = exchange.getQueryParameters().get("size");
        return Peer.size(values == null ? null : values.getFirst());
    }

    private static void pong(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send("pong");
    }

    @Override
    public int port() {
        return ((java.net.InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Override
    public String settings() {
        return settings;
    }

}
