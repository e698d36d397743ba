package io.github.undertowstreaming.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A client that takes the head and some body bytes, then takes nothing more, over each protocol,
 * and waits (with a deadline) until the server drops it: HTTP/1.1 on a raw socket with a small
 * receive buffer; h2c with prior knowledge on raw frames with the default 64 KiB window, never
 * updated; the h2c upgrade and TLS h2 with the JDK client, whose body stream is not read on.
 */
public final class StopReading {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private StopReading() {
    }

    /**
     * Requests {@code path}, stops reading, and returns {@code System.nanoTime()} of the moment it
     * stopped, once the server has dropped it ({@code gaveUp}, then a reset or the end of a body
     * short of its length seen by the client).
     */
    public static long at(Protocol protocol, EdgeServer server, String path, BooleanSupplier gaveUp) throws Exception {
        switch (protocol) {
            case HTTP_1_1:
                try (RawHttp c = RawHttp.connect(server.httpPort(), 8 * 1024)) {
                    c.get(path);
                    assertEquals(200, c.status());
                    InputStream body = c.body();
                    body.readNBytes(16 * 1024);
                    long stopped = System.nanoTime();
                    // nothing read until the server gave up: then the rest ends short of the length
                    Waits.await(gaveUp, DEADLINE, () -> "the server never dropped the client");
                    assertThrows(IOException.class, () -> body.transferTo(OutputStreamNull.INSTANCE));
                    return stopped;
                }
            case H2C_PRIOR_KNOWLEDGE:
                try (H2c c = H2c.connect(server.httpPort(), false)) {
                    c.request(1, "GET", path);
                    long stopped = System.nanoTime();
                    for (;;) {
                        H2c.Frame f = c.read(DEADLINE); // DATA up to the window, then the reset
                        if (f.type() == H2c.RST_STREAM && f.stream() == 1) {
                            return stopped;
                        }
                        assertTrue(f.type() != H2c.DATA || !f.has(H2c.END_STREAM), "the body ended whole: " + f);
                    }
                }
            default:
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                        .sslContext(Tls.clientContext()).build();
                HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(server.uri(protocol, path))
                        .timeout(DEADLINE).build(), HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(HttpClient.Version.HTTP_2, r.version());
                try (InputStream body = r.body()) {
                    body.readNBytes(16 * 1024);
                    long stopped = System.nanoTime();
                    Waits.await(gaveUp, DEADLINE, () -> "the server never dropped the client");
                    assertThrows(IOException.class, () -> body.transferTo(OutputStreamNull.INSTANCE));
                    return stopped;
                }
        }
    }

    /** Discards what it is given. */
    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
