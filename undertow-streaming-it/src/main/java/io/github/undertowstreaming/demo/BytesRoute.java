package io.github.undertowstreaming.demo;

import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * {@code GET /bytes?size=N&chunk=K&delayMs=D}: the pattern body through the library. Called on the
 * IO thread; it only parses and hands the body over, so nothing here blocks. The stream is
 * opened, read and closed on the executor of the attached {@link io.github.undertowstreaming.StreamingOptions}.
 */
final class BytesRoute implements HttpHandler {

    static final String PATH = "/bytes";

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        PatternSource source = PatternSource.parse(exchange, PATH);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
        Streaming.send(exchange, StreamingBody.ofInputStream(source::open, source.size()));
    }

    @Override
    public String toString() {
        return "GET " + PATH;
    }
}
