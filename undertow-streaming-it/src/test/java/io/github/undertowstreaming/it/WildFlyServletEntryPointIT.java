package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.SecondWildFly;
import io.github.undertowstreaming.it.support.SlowReader;
import io.github.undertowstreaming.it.support.Waits;
import io.github.undertowstreaming.it.support.WildFly;
import io.github.undertowstreaming.it.support.WildFlyManagement;

/**
 * The servlet entry point ({@code ServletStreaming.send}) in WildFly 39, and the part that the
 * subsystem's streams take in suspend and graceful shutdown. The deployment {@code subsystem-app}
 * (the subsystem's handler in front of it) has {@code EntryPointServlet} at {@code /entry/bytes}
 * and, behind web.xml's BASIC constraint (Elytron's ApplicationRealm,
 * application-users.properties of src/wildfly/extra), at {@code /protected/bytes}; a Jakarta REST
 * resource that streams through the entry point at {@code /rest/entry}; and {@code Streaming.send}
 * from an Undertow handler of its own at {@code /download}, which runs outside the servlet layer
 * and WildFly's request controller, so that only the subsystem makes it take part in suspend.
 * The graceful shutdown runs on a second start of the server ({@link SecondWildFly}), with a small
 * deployment of its own under the same name (target/wildfly-small).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WildFlyServletEntryPointIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final WildFlyManagement MANAGEMENT = new WildFlyManagement(Integer.getInteger("wildfly.management.port", 19990));
    /** A slow stream: 640 KiB read at 256 KiB/s, about 2.5 s, more than 2 s of it after its first 64 KiB. */
    private static final long SLOW_SIZE = 640L << 10;
    private static final long PACE = 256 * 1024;
    private static final String USER = "it-streamer:it-password-2";

    @BeforeAll
    static void theDeploymentIsUp() throws Exception {
        WildFly.awaitDeployment("/subsystem-app/ping");
    }

    private static HttpResponse<InputStream> get(URI uri, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static long streamsStarted() throws IOException {
        WildFlyManagement.Answer a = MANAGEMENT.onSubsystem("undertow-streaming", "read-attribute", "\"name\":\"streams-started\"");
        assertTrue(a.succeeded(), a.toString());
        return a.number("result");
    }

    @Test
    void aProtectedPathStreamsThroughTheEntryPointWithCredentialsAndGets401WithoutStartingAStream() throws Exception {
        URI uri = WildFly.uri("/subsystem-app/protected/bytes?size=" + (3L << 20));
        long before = streamsStarted();
        HttpResponse<InputStream> refused = get(uri);
        refused.body().close();
        assertEquals(401, refused.statusCode());
        assertTrue(refused.headers().firstValue("www-authenticate").orElse("").startsWith("Basic realm=\"ApplicationRealm\""),
                refused.headers().toString());
        assertEquals(before, streamsStarted(), "the servlet did not run: no stream started, no body read");

        HttpResponse<InputStream> r = get(uri, "Authorization",
                "Basic " + Base64.getEncoder().encodeToString(USER.getBytes(StandardCharsets.UTF_8)));
        assertEquals(200, r.statusCode());
        assertEquals("it-streamer", r.headers().firstValue("x-remote-user").orElse("(none)"), "the servlet layer authenticated");
        assertEquals(Pattern.digest(3L << 20), Pattern.digest(r.body()));
        assertTrue(streamsStarted() > before, "the stream went through the subsystem's handler");
    }

    @Test
    void aJakartaRestResourceThatReachesTheServletRequestStreamsThroughTheEntryPoint() throws Exception {
        long size = 2L << 20;
        HttpResponse<InputStream> r = get(WildFly.uri("/subsystem-app/rest/entry?size=" + size));
        assertEquals(200, r.statusCode());
        assertEquals(Pattern.digest(size), Pattern.digest(r.body()));
    }

    /**
     * {@code :suspend} while eight slow streams run (four from the servlet entry point, four from
     * {@code Streaming.send} in an Undertow handler): the server stays SUSPENDING while they run, a
     * new stream of either kind gets {@code 503}, the eight finish byte-exact, then the server is
     * SUSPENDED; {@code :resume} serves both again.
     */
    @Test
    void whileTheServerSuspendsNewStreamsGet503TheRunningOnesFinishByteExactAndResumeServesAgain() throws Exception {
        String entry = "/subsystem-app/entry/bytes?size=";
        String download = "/subsystem-app/download?size=";
        ExecutorService clients = Executors.newFixedThreadPool(8);
        CountDownLatch started = new CountDownLatch(8);
        List<Future<String>> running = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                running.add(clients.submit(new SlowReader(WildFly.PORT, (i % 2 == 0 ? entry : download) + SLOW_SIZE, PACE, started)));
            }
            assertTrue(started.await(30, TimeUnit.SECONDS), "every slow client got its first 64 KiB");
            long refusedBefore = refusedWhileSuspended();
            long t0 = System.nanoTime();
            WildFlyManagement.Answer suspend = MANAGEMENT.execute("{\"operation\":\"suspend\"}");
            assertTrue(suspend.succeeded(), suspend.toString());
            try {
                assertEquals("SUSPENDING", suspendState(MANAGEMENT), "eight streams run");
                for (String path : new String[] {entry + 10, download + 10}) {
                    HttpResponse<InputStream> r = get(WildFly.uri(path));
                    r.body().close();
                    assertEquals(503, r.statusCode(), path + " while the server suspends");
                }
                // /download's: the servlet entry point's 503 came from WildFly's request controller,
                // which refuses the request before the servlet (and so the entry point) runs
                assertEquals(1, refusedWhileSuspended() - refusedBefore, "the subsystem's refused-while-suspended");
                for (Future<String> f : running) {
                    assertEquals(Pattern.digest(SLOW_SIZE), f.get(60, TimeUnit.SECONDS));
                }
                long finished = System.nanoTime();
                Waits.await(() -> "SUSPENDED".equals(suspendState(MANAGEMENT)), Duration.ofSeconds(10),
                        () -> "the server did not finish suspending once the streams ended");
                System.out.printf("WildFly :suspend with 8 slow streams: SUSPENDING for %d ms, until they ended%n",
                        TimeUnit.NANOSECONDS.toMillis(finished - t0));
            } finally {
                WildFlyManagement.Answer resume = MANAGEMENT.execute("{\"operation\":\"resume\"}");
                assertTrue(resume.succeeded(), resume.toString());
            }
            assertEquals("RUNNING", suspendState(MANAGEMENT));
            for (String path : new String[] {entry, download}) {
                HttpResponse<InputStream> r = get(WildFly.uri(path + 100_000));
                assertEquals(200, r.statusCode(), path + " after :resume");
                assertEquals(Pattern.digest(100_000), Pattern.digest(r.body()));
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /**
     * A graceful {@code :shutdown(suspend-timeout=30)} while a stream of {@code Streaming.send} runs
     * (outside the servlet layer, so only the subsystem holds the shutdown for it): a new stream
     * gets {@code 503}, the running one finishes byte-exact, and the server stops after it. On a
     * second start of the test server, since this one stops it.
     */
    @Test
    void aGracefulShutdownWaitsForARunningStreamAndRefusesNewOnes() throws Exception {
        String javaHome = System.getProperty("wildfly.java.home");
        assertTrue(javaHome != null && Files.exists(java.nio.file.Path.of(javaHome, "bin", "java")),
                "the build passes the server's JDK as wildfly.java.home: " + javaHome);
        long t0 = System.nanoTime();
        ExecutorService client = Executors.newSingleThreadExecutor();
        // a small subsystem-app (Streaming.send and a ping, no Jakarta REST), so that the second server boots fast
        java.nio.file.Path small = java.nio.file.Path.of(System.getProperty("wildfly.small.deployments"));
        try (SecondWildFly server = SecondWildFly.start("graceful-shutdown", javaHome, small, List.of("subsystem-app.war"))) {
            Waits.await(() -> answers200(server.uri("/subsystem-app/ping")), Duration.ofSeconds(120),
                    () -> "the second server did not serve subsystem-app; see " + server.base().resolve("console.log"));
            long booted = System.nanoTime();
            CountDownLatch started = new CountDownLatch(1);
            Future<String> stream = client.submit(new SlowReader(server.httpPort(), "/subsystem-app/download?size=" + SLOW_SIZE, PACE, started));
            assertTrue(started.await(30, TimeUnit.SECONDS), "the slow client got its first 64 KiB");

            WildFlyManagement management = server.management();
            long shutdown = System.nanoTime();
            // the operation's answer may come only as the server stops, or never: not waited for
            CompletableFuture.runAsync(() -> {
                try {
                    management.execute("{\"operation\":\"shutdown\",\"suspend-timeout\":30}");
                } catch (IOException e) {
                    // the server went away with its management interface
                }
            });
            Waits.await(() -> "SUSPENDING".equals(suspendState(management)), Duration.ofSeconds(10),
                    () -> "the server did not begin to suspend");
            HttpResponse<InputStream> refused = get(server.uri("/subsystem-app/download?size=10"));
            refused.body().close();
            assertEquals(503, refused.statusCode(), "a new stream during the graceful shutdown");

            assertEquals(Pattern.digest(SLOW_SIZE), stream.get(60, TimeUnit.SECONDS), "the running stream, whole");
            assertTrue(server.process().waitFor(60, TimeUnit.SECONDS), "the server stopped");
            long stopped = System.nanoTime();
            assertTrue(Files.readString(server.serverLog()).contains("UTSTREAM0231: The server suspends: waiting for 1 running stream(s)"),
                    "the subsystem waited for the stream: " + server.serverLog());
            // the server stops once it has written the last byte; the client may still be reading the kernel's buffers
            System.out.printf("WildFly graceful shutdown with a running stream: booted in %d ms, stopped %d ms after :shutdown%n",
                    TimeUnit.NANOSECONDS.toMillis(booted - t0), TimeUnit.NANOSECONDS.toMillis(stopped - shutdown));
        } finally {
            client.shutdownNow();
        }
    }

    private static boolean answers200(URI uri) {
        try {
            HttpResponse<InputStream> r = get(uri);
            r.body().close();
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The subsystem's counter of streams refused while the server suspends or is suspended. */
    private static long refusedWhileSuspended() throws IOException {
        WildFlyManagement.Answer a = MANAGEMENT.onSubsystem("undertow-streaming", "read-attribute", "\"name\":\"refused-while-suspended\"");
        assertTrue(a.succeeded(), a.toString());
        return a.number("result");
    }

    /** {@code suspend-state} of the server behind {@code management}, or null if it does not answer. */
    private static String suspendState(WildFlyManagement management) {
        try {
            WildFlyManagement.Answer a = management.execute("{\"operation\":\"read-attribute\",\"name\":\"suspend-state\"}");
            return a.succeeded() ? a.string("result") : null;
        } catch (IOException e) {
            return null;
        }
    }
}
