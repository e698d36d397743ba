package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.SlowLoad;
import io.github.undertowstreaming.it.support.WildFly;

/**
 * A real WildFly 39, provisioned from Maven Central by the build, with the library installed as a
 * JBoss module and enabled on the host through the Undertow subsystem (see src/wildfly): as a
 * custom-filter on /streaming-app/custom and as an expression-filter on /streaming-app/expression.
 * The IO worker has 4 threads and the listener small socket buffers. The server runs on
 * 127.0.0.1 with its ports offset by 10000; Maven starts it before this test and stops it after.
 */
class WildFlyIT {

    private static final int PORT = WildFly.PORT;
    private static final long SIZE = 2L << 20;
    private static final long PACE = 512 * 1024;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static URI uri(String path) {
        return WildFly.uri(path);
    }

    @BeforeAll
    static void theTestDeploymentIsUp() throws Exception {
        WildFly.awaitDeployment("/streaming-app/ping");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "custom     | chunk-size=32768, read-ahead=1",
        "expression | chunk-size=65536, read-ahead=0"})
    void thirtyTwoSlowDownloadsFinishWhileAServletAnswers(String filter, String options) throws Exception {
        String download = "/streaming-app/" + filter + "/download?size=" + SIZE;
        HttpResponse<String> probe = HTTP.send(HttpRequest.newBuilder(uri("/streaming-app/" + filter + "/download?size=10")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(probe.headers().firstValue("x-streaming-options").orElse("").contains(options),
                "the " + filter + "-filter attached its options: " + probe.headers().firstValue("x-streaming-options"));
        if (filter.equals("custom")) { // named, so its statistics went to JMX: the module reaches java.management
            assertTrue(probe.headers().firstValue("x-streaming-options").orElse("").contains("name=wildfly-custom"),
                    "the custom-filter's name parameter: " + probe.headers().firstValue("x-streaming-options"));
        }

        try (SlowLoad load = SlowLoad.start(PORT, download, 32, PACE, uri("/streaming-app/ping"), "pong")) {
            load.assertAnswersWhileInFlight(uri("/streaming-app/ping"), "pong", 5, () -> { });
            load.assertAllFinishWith(Pattern.digest(SIZE));
        }
    }

    @Test
    void withoutAFilterTheDeploymentStillStreamsWithTheDefaults() throws Exception {
        HttpResponse<java.io.InputStream> r = HTTP.send(HttpRequest.newBuilder(uri("/streaming-app/plain/download?size=" + SIZE)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertTrue(r.headers().firstValue("x-streaming-options").orElse("").contains("chunk-size=2 buffers"));
        assertEquals(Pattern.digest(SIZE), Pattern.digest(r.body()));
    }
}
