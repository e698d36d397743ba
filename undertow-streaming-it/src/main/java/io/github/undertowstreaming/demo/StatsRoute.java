package io.github.undertowstreaming.demo;

import java.lang.management.ManagementFactory;

import org.xnio.management.XnioWorkerMXBean;

import io.github.undertowstreaming.Streaming;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * {@code GET /stats}: the library's stream counters and the state of this connection's XNIO
 * worker, as one line of JSON. Called on the IO thread. The counters are cheap; busy workers may
 * take a stack sample of every thread ({@link WorkerThreads#busy}), fine for a demo's dashboard.
 */
final class StatsRoute implements HttpHandler {

    static final String PATH = "/stats";

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Params.of(exchange, PATH);
        Streaming.Stats s = Streaming.stats();
        XnioWorkerMXBean worker = exchange.getConnection().getWorker().getMXBean();
        String json = "{\"streamsInFlight\":" + s.inFlight()
                + ",\"streamsFinished\":" + s.finished()
                + ",\"streamsFailed\":" + s.failed()
                + ",\"bytesSent\":" + s.bytesSent()
                + ",\"workerThreadsBusy\":" + WorkerThreads.busy(exchange.getConnection().getWorker())
                + ",\"workerThreads\":" + worker.getMaxWorkerPoolSize()
                + ",\"workerQueueSize\":" + worker.getWorkerQueueSize()
                + ",\"ioThreads\":" + worker.getIoThreadCount()
                + ",\"jvmThreads\":" + ManagementFactory.getThreadMXBean().getThreadCount()
                + "}\n";
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(json);
    }
}
