package io.github.undertowstreaming.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

/**
 * The WildFly that the build provisions and starts for the {@code *IT} tests: its HTTP port, its
 * management port, and its log file, as the build passes them (system properties
 * {@code wildfly.http.port}, {@code wildfly.management.port}, {@code wildfly.server.log}).
 */
public final class WildFly {

    public static final int PORT = Integer.getInteger("wildfly.http.port", 18080);
    private static final int MANAGEMENT_PORT = Integer.getInteger("wildfly.management.port", 19990);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** The platform threads of the server JVM, from the management model's platform MXBean. */
    private static final String THREAD_COUNT = "{\"operation\":\"read-attribute\",\"address\":"
            + "[{\"core-service\":\"platform-mbean\"},{\"type\":\"threading\"}],\"name\":\"thread-count\"}";
    private static final java.util.regex.Pattern RESULT = java.util.regex.Pattern.compile("\"result\"\\s*:\\s*(\\d+)");

    private WildFly() {
    }

    public static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + PORT + path);
    }

    /** Polls {@code path} until it answers 200, for at most 60 s (the deployment scanner deploys after the boot). */
    public static void awaitDeployment(String path) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (;;) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            assertTrue(System.nanoTime() < deadline, path + " did not come up within 60 s");
            Waits.pause();
        }
    }

    /** {@code GET path}, 200, and the body as text. */
    public static String get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }

    /**
     * The number of live platform threads of the server's JVM ({@code ThreadMXBean.getThreadCount},
     * which counts no virtual thread), read over the HTTP management API with JSON:
     * {@code /core-service=platform-mbean/type=threading:read-attribute(name=thread-count)}.
     */
    public static long platformThreads() {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + MANAGEMENT_PORT + "/management"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(THREAD_COUNT)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = RESULT.matcher(r.body());
            assertTrue(r.statusCode() == 200 && m.find(), "the management API answered " + r.statusCode() + ": " + r.body());
            return Long.parseLong(m.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The lines of the server's log file that contain {@code text}. */
    public static List<String> logLines(String text) {
        String file = System.getProperty("wildfly.server.log");
        assertTrue(file != null, "the build passes the server's log file as wildfly.server.log");
        try (var lines = Files.lines(Path.of(file))) {
            return lines.filter(l -> l.contains(text)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
