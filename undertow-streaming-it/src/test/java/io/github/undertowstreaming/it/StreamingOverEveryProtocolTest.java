package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.PatternRoute;
import io.github.undertowstreaming.it.support.TestServer;
import io.github.undertowstreaming.it.support.Tls;

/**
 * Every body size that matters, with known and unknown length, arrives byte for byte over
 * HTTP/1.1, h2c, and HTTPS (HTTP/1.1 and HTTP/2 by ALPN). Checked by SHA-256, never held in memory.
 */
@org.junit.jupiter.api.Timeout(value = 120, unit = java.util.concurrent.TimeUnit.SECONDS) // a stall fails, not hangs
class StreamingOverEveryProtocolTest {

    /** One pooled buffer, and one chunk: by default four pooled buffers. */
    private static final int BUFFER = TestServer.BUFFER_SIZE;
    private static final int CHUNK = StreamingOptions.DEFAULT_CHUNK_BUFFERS * BUFFER;
    private static final long[] SIZES = {0, 1, BUFFER - 1, BUFFER, BUFFER + 1, CHUNK - 1, CHUNK, CHUNK + 1,
        10L << 20, 256L << 20};

    private static TestServer server;
    private static HttpClient http1;
    private static HttpClient http2;

    enum Protocol {
        HTTP_1_1(false, HttpClient.Version.HTTP_1_1),
        H2C(false, HttpClient.Version.HTTP_2),
        HTTPS_1_1(true, HttpClient.Version.HTTP_1_1),
        HTTPS_2(true, HttpClient.Version.HTTP_2);

        final boolean tls;
        final HttpClient.Version version;

        Protocol(boolean tls, HttpClient.Version version) {
            this.tls = tls;
            this.version = version;
        }
    }

    @BeforeAll
    static void startServer() {
        server = TestServer.start(new AsyncStreamingHandler(new PatternRoute()));
        http1 = client(HttpClient.Version.HTTP_1_1);
        http2 = client(HttpClient.Version.HTTP_2);
    }

    static HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder().version(version).sslContext(Tls.clientContext())
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Protocol p : Protocol.values()) {
            for (long size : SIZES) {
                cases.add(Arguments.of(p, size, true));
                cases.add(Arguments.of(p, size, false));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, {1} bytes, length known: {2}")
    @MethodSource("cases")
    void theWholeBodyArrivesByteForByte(Protocol protocol, long size, boolean known) throws Exception {
        String path = "/bytes?size=" + size + "&known=" + known;
        URI uri = protocol.tls ? server.https(path) : server.http(path);
        HttpClient client = protocol.version == HttpClient.Version.HTTP_2 ? http2 : http1;
        // h2c starts with an HTTP/1.1 upgrade; the connection then stays HTTP/2 for the next ones
        if (protocol == Protocol.H2C) {
            client.send(HttpRequest.newBuilder(server.http("/bytes?size=0")).build(), HttpResponse.BodyHandlers.discarding());
        }

        HttpResponse<InputStream> response = client.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofInputStream());

        assertEquals(200, response.statusCode());
        assertEquals(protocol.version, response.version());
        String digest;
        try (InputStream in = response.body()) {
            digest = Pattern.digest(in);
        }
        assertEquals(Pattern.digest(size), digest);

        OptionalLong contentLength = response.headers().firstValueAsLong("content-length");
        if (known || size == 0) {
            assertEquals(OptionalLong.of(size), contentLength);
        } else {
            assertFalse(contentLength.isPresent(), "no Content-Length for a body of unknown length");
            if (protocol.version == HttpClient.Version.HTTP_1_1) {
                assertEquals("chunked", response.headers().firstValue("transfer-encoding").orElse(null));
            }
        }
    }
}
