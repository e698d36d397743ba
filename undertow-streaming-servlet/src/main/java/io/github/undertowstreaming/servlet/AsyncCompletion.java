package io.github.undertowstreaming.servlet;

import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.servlet.spec.AsyncContextImpl;

/**
 * Completes a stream's servlet async context when its exchange completes, on every path (the
 * last byte flushed, a failure answered or aborted, the client gone): the servlet's
 * {@code AsyncListener}s hear {@code onComplete}, and the servlet layer releases the request.
 * Before the next completion listener, so before the connection goes on to its next request.
 */
final class AsyncCompletion implements ExchangeCompletionListener {

    private final AsyncContextImpl async;

    AsyncCompletion(AsyncContextImpl async) {
        this.async = async;
    }

    @Override
    public void exchangeEvent(HttpServerExchange exchange, NextListener nextListener) {
        try {
            async.complete(); // a second call is ignored by Undertow
        } catch (RuntimeException e) {
            ServletLog.ROOT.completeFailed(e, exchange.getRequestMethod() + " " + exchange.getRequestURI());
        } finally {
            nextListener.proceed();
        }
    }
}
