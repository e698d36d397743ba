package io.github.undertowstreaming.demo;

import java.lang.management.ManagementFactory;
import java.util.function.Supplier;

import org.xnio.management.XnioWorkerMXBean;

import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.internal.DispatchGate;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * {@code GET /stats}: the stream counters of the server's {@code AsyncStreamingHandler} (the
 * process-wide ones without it), the numbers its MBean shows, and the state of this connection's XNIO
 * worker, as one line of JSON. Called on the IO thread. The counters are cheap; busy workers may
 * take a stack sample of every thread ({@link WorkerThreads#busy}), fine for a demo's dashboard.
 * In transparent mode it shows the dispatch executor ({@code "dispatch":"virtual"}) and, with
 * {@code max-dispatched}, the dispatch gate: the exchanges running on it and waiting for a place,
 * and the dispatches it refused ({@code "dispatchGate":null} without one).
 */
final class StatsRoute implements HttpHandler {

    static final String PATH = "/stats";

    /** The counters of the server's AsyncStreamingHandler, as its MBean shows them. */
    private final Supplier<Streaming.Stats> stats;

    StatsRoute(Supplier<Streaming.Stats> stats) {
        this.stats = stats;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Params.of(exchange, PATH);
        Streaming.Stats s = stats.get();
        StreamingOptions options = Streaming.options(exchange);
        DispatchGate gate = DispatchGate.of(exchange);
        XnioWorkerMXBean worker = exchange.getConnection().getWorker().getMXBean();
        String json = "{\"streamsInFlight\":" + s.inFlight()
                + ",\"streamsFinished\":" + s.finished()
                + ",\"streamsFailed\":" + s.failed()
                + ",\"bodyFailures\":" + s.bodyFailures()
                + ",\"clientFailures\":" + s.clientFailures()
                + ",\"writeFailures\":" + s.writeFailures()
                + ",\"rejected\":" + s.rejected()
                + ",\"timeouts\":" + s.timeouts()
                + ",\"limited\":" + s.limited()
                + ",\"tooSlow\":" + s.tooSlow()
                + ",\"dispatchedTooSlow\":" + s.dispatchedTooSlow()
                + ",\"waitingForClients\":" + s.waitingForClients()
                + ",\"bytesHeldWaiting\":" + s.bytesHeldWaiting()
                + ",\"longestWaitMillis\":" + s.longestWait().toMillis()
                + ",\"readTimeMillis\":" + s.readTime().toMillis()
                + ",\"bytesSent\":" + s.bytesSent()
                + ",\"dispatch\":\"" + DemoServer.dispatchName(options) + "\""
                + ",\"dispatchGate\":" + (gate == null ? "null" : "{\"max\":" + options.maxDispatched()
                        + ",\"running\":" + gate.running() + ",\"waiting\":" + gate.waiting()
                        + ",\"refused\":" + gate.refused() + "}")
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
