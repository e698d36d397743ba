package io.github.undertowstreaming.it.support;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;

import org.xnio.Options;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;

/**
 * A real Undertow on 127.0.0.1 with an ephemeral port: HTTP/1.1 with h2c upgrade, and HTTPS with
 * HTTP/2 by ALPN. Buffers are 16 KiB, so a chunk is 16384 bytes. Closing it stops the server.
 */
public final class TestServer implements AutoCloseable {

    public static final int BUFFER_SIZE = 16 * 1024;

    private final Undertow undertow;
    private final int httpPort;
    private final int httpsPort;

    private TestServer(Undertow undertow) {
        this.undertow = undertow;
        undertow.start();
        this.httpPort = port(undertow, "http");
        this.httpsPort = port(undertow, "https");
    }

    public static TestServer start(HttpHandler handler) {
        return start(handler, b -> { });
    }

    /** Starts a server; {@code customize} may set worker threads, socket options and so on. */
    public static TestServer start(HttpHandler handler, Consumer<Undertow.Builder> customize) {
        SSLContext ssl = Tls.serverContext();
        Undertow.Builder b = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .addHttpsListener(0, "127.0.0.1", ssl)
                .setIoThreads(2)
                .setBufferSize(BUFFER_SIZE)
                .setServerOption(UndertowOptions.ENABLE_HTTP2, true)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 60_000)
                .setSocketOption(Options.REUSE_ADDRESSES, true)
                .setHandler(handler);
        customize.accept(b);
        return new TestServer(b.build());
    }

    /** The port of the listener for {@code protocol} ("http", "https"), or -1. */
    public static int port(Undertow undertow, String protocol) {
        for (Undertow.ListenerInfo info : undertow.getListenerInfo()) {
            if (info.getProtcol().equals(protocol)) {
                return ((InetSocketAddress) info.getAddress()).getPort();
            }
        }
        return -1;
    }

    public int httpPort() {
        return httpPort;
    }

    public int httpsPort() {
        return httpsPort;
    }

    public URI http(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + httpPort + pathAndQuery);
    }

    public URI https(String pathAndQuery) {
        return URI.create("https://127.0.0.1:" + httpsPort + pathAndQuery);
    }

    public Undertow undertow() {
        return undertow;
    }

    @Override
    public void close() {
        undertow.stop();
    }
}
