package io.github.undertowstreaming.servlet;

import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.internal.ExchangeSink;
import io.undertow.server.HttpServerExchange;
import io.undertow.servlet.handlers.ServletRequestContext;
import io.undertow.servlet.spec.AsyncContextImpl;
import io.undertow.servlet.spec.HttpServletRequestImpl;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The servlet entry point: {@link #send} streams a {@link StreamingBody} as the response of a
 * servlet request through the library's pump, and returns at once. The request has passed the
 * servlet layer first (its security constraints and authentication, its filters, and in WildFly
 * the request controller that suspend and graceful shutdown use); the stream then holds no thread
 * while the client is slow, and the request's async context is completed when the stream ends.
 *
 * <pre>{@code
 * @WebServlet(urlPatterns = "/export", asyncSupported = true)
 * public class Export extends HttpServlet {
 *     protected void doGet(HttpServletRequest request, HttpServletResponse response) {
 *         response.setContentType("text/csv");
 *         ServletStreaming.send(request, StreamingBody.ofInputStream(() -> reports.open(request.getParameter("id"))));
 *     }
 * }
 * }</pre>
 *
 * <p>A Jakarta REST resource reaches it the same way, with the request injected
 * ({@code @Context HttpServletRequest}) and the response left to the library: the method takes an
 * {@code @Suspended AsyncResponse} that it never resumes, so that the runtime writes nothing.
 *
 * <p>The options and the counters are those of the {@code AsyncStreamingHandler} in front of the
 * servlet deployment, as for {@code Streaming.send} ({@code StreamingOptions.defaults()} without
 * one); so is the failure contract: a body that fails before its first byte gets {@code 500}, one
 * that fails after it an aborted connection or HTTP/2 stream, and the body is closed exactly once,
 * never on an IO thread. Undertow's servlet layer only (embedded, or WildFly's).
 */
public final class ServletStreaming {

    private ServletStreaming() {
    }

    /**
     * Sends {@code body} as the response of {@code request}, then returns without blocking: call
     * it from the servlet (or filter, or resource) that handles the request, on the request's
     * thread, and return. Set status and headers on the response first, as for
     * {@code Streaming.send}; do not take the response's output stream or writer, before or after.
     * The request is put in asynchronous mode ({@code startAsync}, or the async context already
     * started, whose timeout is turned off: the library's own read and write timeouts apply), and
     * the stream starts once the servlet's call has returned; the async context is completed when
     * the exchange ends, on every path.
     *
     * @param request the servlet request being handled on this thread
     * @param body the body to stream; the library closes it from now on
     * @throws IllegalStateException if this thread is not handling a servlet request, if the
     *     request's servlet or one of its filters does not support async, if a body was already
     *     sent, or if the response has started; the body is then untouched and still the caller's
     *     to close
     */
    public static void send(HttpServletRequest request, StreamingBody body) {
        if (request == null) {
            throw ServletMessages.MESSAGES.notNull("request");
        }
        if (body == null) {
            throw ServletMessages.MESSAGES.notNull("body");
        }
        ServletRequestContext context = ServletRequestContext.current();
        if (context == null) {
            throw ServletMessages.MESSAGES.notOnRequestThread(request.getMethod() + " " + request.getRequestURI());
        }
        HttpServerExchange exchange = context.getExchange();
        HttpServletRequestImpl original = context.getOriginalRequest();
        if (!original.isAsyncStarted() && !request.isAsyncSupported()) {
            throw ServletMessages.MESSAGES.asyncNotSupported(request.getMethod() + " " + request.getRequestURI());
        }
        ExchangeSink.send(exchange, body, start -> {
            if (!original.isAsyncStarted()) {
                request.startAsync();
            }
            AsyncContextImpl async = original.getAsyncContextInternal();
            async.setTimeout(0); // the async context's own timeout (30 s) would end a long stream
            exchange.addExchangeCompleteListener(new AsyncCompletion(async));
            async.addAsyncTask(start); // runs once the servlet's call has returned, on the async executor
        });
    }
}
