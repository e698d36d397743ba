package io.github.undertowstreaming.demo;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * {@code GET /hello}: {@code hello}, answered on the IO thread with no parsing at all. The tiny,
 * non-streaming exchange whose cost the benchmark measures with and without
 * {@link io.github.undertowstreaming.AsyncStreamingHandler} in front.
 */
final class HelloRoute implements HttpHandler {

    static final String PATH = "/hello";

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
        exchange.getResponseSender().send("hello");
    }
}
