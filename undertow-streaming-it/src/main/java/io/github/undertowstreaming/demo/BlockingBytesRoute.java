package io.github.undertowstreaming.demo;

import java.io.InputStream;
import java.io.OutputStream;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

/**
 * {@code GET /blocking/bytes?...}: the same body as {@code /bytes}, the way users stream today:
 * {@link BlockingHandler} and {@code exchange.getOutputStream()}. Runs on a worker thread, which
 * it holds for the whole response, including every moment the client is slow to read; in
 * transparent mode ({@code --dispatch virtual}), on a virtual thread that parks while the client
 * is slow. The response names the thread in {@value #THREAD_HEADER}.
 */
final class BlockingBytesRoute implements HttpHandler {

    static final String PATH = "/blocking/bytes";

    /** The response header that names the thread the route ran on: {@code demo task-1}, {@code undertow-streaming-vt-7}. */
    static final String THREAD_HEADER = "X-Demo-Thread";

    private static final HttpString THREAD = new HttpString(THREAD_HEADER);

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        PatternSource source = PatternSource.parse(exchange, PATH);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
        exchange.getResponseHeaders().put(THREAD, Thread.currentThread().getName());
        exchange.setResponseContentLength(source.size());
        byte[] buffer = new byte[source.chunk()];
        try (InputStream in = source.open(); OutputStream out = exchange.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        }
    }

    @Override
    public String toString() {
        return "GET " + PATH;
    }
}
