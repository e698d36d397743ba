package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.SecondWildFly;
import io.github.undertowstreaming.it.support.Waits;

/**
 * A WildFly provisioned by the build from wildfly-ee-galleon-pack and this project's pack with the
 * layer {@code undertow-streaming} alone, and {@code deployment-scanner} to deploy (the it pom's
 * execution {@code provision-layer-alone}; nothing configured): what a user who adds the layer
 * to nothing else, or WildFly Glow for a WAR that uses the library, gets. The layer builds on
 * WildFly's {@code servlet} layer, so a WAR without any descriptor deploys with EE naming
 * ({@code java:module/ModuleName}), and streams through the servlet entry point behind the
 * subsystem's handler, which the layer added with its defaults (its boot line).
 *
 * <p>Started by this test on the server's JDK ({@code wildfly.java.home}) with a base directory
 * of its own and its ports 100 above the first server's ({@link SecondWildFly}); stopped at the end.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WildFlyLayerAloneIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theLayerAloneGivesAWarEeNamingAndTheSubsystemsStreams() throws Exception {
        Path home = Path.of(System.getProperty("wildfly.layer-alone.home"));
        String config = Files.readString(home.resolve("standalone/configuration/standalone.xml"));
        for (String subsystem : new String[] {"urn:io.github.undertowstreaming:undertow-streaming:1.0", "urn:jboss:domain:naming:",
                "urn:jboss:domain:ee:", "urn:jboss:domain:undertow:"}) {
            assertTrue(config.contains("<subsystem xmlns=\"" + subsystem), subsystem + " in the layer-alone server's standalone.xml");
        }
        long t0 = System.nanoTime();
        try (SecondWildFly server = SecondWildFly.start(home, "run", System.getProperty("wildfly.java.home"),
                Path.of(System.getProperty("wildfly.layer-alone.deployments")), List.of("layer-app.war"))) {
            Path console = server.base().resolve("console.log");
            Waits.await(() -> Files.exists(server.deployments().resolve("layer-app.war.deployed"))
                            || Files.exists(server.deployments().resolve("layer-app.war.failed")),
                    Duration.ofSeconds(120), () -> "the layer-alone server did not deploy layer-app.war; see " + console);
            assertTrue(Files.exists(server.deployments().resolve("layer-app.war.deployed")),
                    "layer-app.war failed: " + readIfThere(server.deployments().resolve("layer-app.war.failed")));
            System.out.printf("WildFly with the layer undertow-streaming alone: layer-app.war deployed %d ms after the start%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

            HttpResponse<String> name = HTTP.send(HttpRequest.newBuilder(server.uri("/layer-app/module-name"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, name.statusCode(), name.body());
            assertEquals("layer-app", name.body(), "java:module/ModuleName");

            long size = 1L << 20;
            HttpResponse<InputStream> entry = HTTP.send(HttpRequest.newBuilder(server.uri("/layer-app/entry/bytes?size=" + size))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, entry.statusCode());
            assertEquals(Pattern.digest(size), Pattern.digest(entry.body()), "the servlet entry point's body");

            String log = Files.readString(console);
            assertTrue(log.contains("UTSTREAM0230"), "the subsystem's boot line in " + console);
        }
    }

    private static String readIfThere(Path p) throws java.io.IOException {
        return Files.exists(p) ? Files.readString(p) : "(no " + p.getFileName() + ")";
    }
}
