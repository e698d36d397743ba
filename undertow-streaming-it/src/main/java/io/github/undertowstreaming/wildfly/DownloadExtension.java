package io.github.undertowstreaming.wildfly;

import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.demo.Pattern;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.servlet.ServletExtension;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import jakarta.servlet.ServletContext;

/**
 * The test deployment's way into Undertow: an initial handler-chain wrapper (it runs on the IO
 * thread, before the servlet layer dispatches) that streams {@code .../download?size=N} through
 * the library, and passes everything else on to the servlets. The response header
 * {@code X-Streaming-Options} shows which options the host's filter (or the subsystem) attached,
 * and {@code X-In-Io-Thread} whether the chain got here on the IO thread.
 */
public final class DownloadExtension implements ServletExtension {

    static final HttpString OPTIONS_HEADER = new HttpString("X-Streaming-Options");
    /** Whether this handler, and so every handler outside it, ran on the IO thread. */
    static final HttpString IO_THREAD_HEADER = new HttpString("X-In-Io-Thread");

    @Override
    public void handleDeployment(DeploymentInfo deploymentInfo, ServletContext servletContext) {
        deploymentInfo.addInitialHandlerChainWrapper(next -> new Download(next));
    }

    private static final class Download implements HttpHandler {
        private final HttpHandler next;

        Download(HttpHandler next) {
            this.next = next;
        }

        @Override
        public void handleRequest(HttpServerExchange exchange) throws Exception {
            if (!exchange.getRelativePath().endsWith("/download")) {
                next.handleRequest(exchange);
                return;
            }
            String size = exchange.getQueryParameters().containsKey("size")
                    ? exchange.getQueryParameters().get("size").getFirst() : "1048576";
            long n = Long.parseLong(size);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
            exchange.getResponseHeaders().put(OPTIONS_HEADER, Streaming.options(exchange).toString());
            exchange.getResponseHeaders().put(IO_THREAD_HEADER, Boolean.toString(exchange.isInIoThread()));
            Streaming.send(exchange, StreamingBody.ofInputStream(() -> Pattern.stream(n), n));
        }
    }
}
