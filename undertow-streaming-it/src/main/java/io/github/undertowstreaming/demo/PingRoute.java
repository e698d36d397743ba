package io.github.undertowstreaming.demo;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * {@code GET /ping}: {@code pong}, answered from a worker thread, as any handler that does a bit
 * of blocking work would. When every worker is pinned, this waits: worker starvation shows here.
 * In transparent mode ({@code --dispatch virtual}) the task runs on a virtual thread instead.
 */
final class PingRoute implements HttpHandler {

    static final String PATH = "/ping";

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Params.of(exchange, PATH);
        exchange.dispatch(() -> {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getResponseSender().send("pong");
        });
    }
}
