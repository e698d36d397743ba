package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.TestServer;
import io.undertow.Handlers;
import io.undertow.server.handlers.builder.PredicatedHandlersParser;
import io.undertow.util.HttpString;

/** Rules as in an undertow-handlers.conf, parsed by Undertow and served by a real server. */
class PredicateLanguageServerTest {

    private static final String RULES = String.join("\n",
            "path-prefix('/downloads') -> async-streaming(chunk-size=65536, read-ahead=1)",
            "path-prefix('/exports') -> async-streaming(skip='method(HEAD)', read-budget=262144)",
            "");

    private static TestServer server;
    private static HttpClient http;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(Handlers.predicates(
                PredicatedHandlersParser.parse(RULES, PredicateLanguageServerTest.class.getClassLoader()),
                exchange -> {
                    exchange.getResponseHeaders().put(new HttpString("X-Streaming-Options"),
                            Streaming.options(exchange).toString());
                    Streaming.send(exchange, StreamingBody.of(Pattern.stream(1 << 20), 1 << 20));
                }));
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "/downloads/file | chunk-size=65536, read-ahead=1, read-budget=1048576",
        "/exports/all    | chunk-size=2 buffers, read-ahead=0, read-budget=262144",
        "/elsewhere      | chunk-size=2 buffers, read-ahead=0, read-budget=1048576"})
    void eachRuleAppliesItsOwnOptionsAndTheBodyArrivesWhole(String path, String options) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(server.http(path)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        String header = r.headers().firstValue("x-streaming-options").orElse("");
        assertTrue(header.contains(options), header);
        assertEquals(Pattern.digest(1 << 20), Pattern.digest(r.body()));
    }
}
