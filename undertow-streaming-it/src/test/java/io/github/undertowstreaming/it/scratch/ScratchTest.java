package io.github.undertowstreaming.it.scratch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.it.support.RawHttp;
import io.github.undertowstreaming.it.support.TestServer;
import io.github.undertowstreaming.it.support.Tls;

class ScratchTest {

    static final class Slow implements StreamingBody {
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicLong closedAt = new AtomicLong();
        final CountDownLatch cancelled = new CountDownLatch(1);
        int reads;

        @Override
        public int read(ByteBuffer dst) throws java.io.IOException {
            if (reads++ > 0) {
                try {
                    if (cancelled.await(3, TimeUnit.SECONDS)) {
                        throw new java.io.IOException("cancelled");
                    }
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            int n = Math.min(dst.remaining(), 1000);
            for (int i = 0; i < n; i++) {
                dst.put((byte) 'x');
            }
            return n;
        }

        @Override
        public void cancel() {
            cancelled.countDown();
        }

        @Override
        public void close() {
            closedAt.set(System.nanoTime());
            closed.countDown();
        }
    }

    @Test
    void http1() throws Exception {
        Slow body = new Slow();
        try (TestServer server = TestServer.start(new AsyncStreamingHandler(ex -> Streaming.send(ex, body)))) {
            long t0;
            try (RawHttp c = RawHttp.connect(server.httpPort(), 0)) {
                c.get("/");
                c.body().readNBytes(1000);
                t0 = System.nanoTime();
            }
            assertTrue(body.closed.await(5, TimeUnit.SECONDS));
            System.out.println("HTTP/1.1 closed after ms " + (body.closedAt.get() - t0) / 1_000_000);
        }
    }

    @Test
    void http2() throws Exception {
        Slow body = new Slow();
        try (TestServer server = TestServer.start(new AsyncStreamingHandler(ex -> Streaming.send(ex, body)))) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(Tls.clientContext()).build();
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(server.https("/")).build(), HttpResponse.BodyHandlers.ofInputStream());
            long t0;
            try (InputStream in = r.body()) {
                in.readNBytes(1000);
                t0 = System.nanoTime();
            }
            assertTrue(body.closed.await(5, TimeUnit.SECONDS));
            System.out.println("HTTP/2 " + r.version() + " closed after ms " + (body.closedAt.get() - t0) / 1_000_000);
        }
    }
}
