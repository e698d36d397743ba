package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.ref.WeakReference;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xnio.XnioWorker;

import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.TestServer;
import io.github.undertowstreaming.it.support.Waits;

/**
 * The read gate: one per XNIO worker, made when a stream first reads on that worker. A server
 * that stops takes its worker with it: the gate must not keep the worker reachable, or every
 * server a process starts and stops (a redeployment, a test suite) leaks its worker.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class ReadGateTest {

    @Test
    void aStoppedServersWorkerIsNotKeptReachableByItsReadGate() throws Exception {
        WeakReference<XnioWorker> worker = streamOnceAndStop();

        // a negative wait for the collector, with a deadline: the worker becomes unreachable
        Waits.await(() -> {
            System.gc();
            return worker.get() == null;
        }, Duration.ofSeconds(10), () -> "the stopped server's XNIO worker is still reachable");
    }

    /**
     * Starts a server, streams one body read on its worker (behind the read gate), stops the
     * server, and returns its worker weakly; nothing else here keeps it.
     */
    private static WeakReference<XnioWorker> streamOnceAndStop() throws Exception {
        TestServer server = TestServer.start(exchange -> Streaming.send(exchange,
                StreamingBody.of(Pattern.stream(100_000), 100_000)));
        try {
            HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.http("/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals(100_000, r.body().length);
            return new WeakReference<>(server.undertow().getWorker());
        } finally {
            server.close();
        }
    }
}
