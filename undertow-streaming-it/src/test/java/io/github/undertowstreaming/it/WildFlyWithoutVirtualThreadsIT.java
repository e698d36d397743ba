package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.it.support.SecondWildFly;
import io.github.undertowstreaming.it.support.Waits;
import io.github.undertowstreaming.it.support.WildFlyManagement;
import io.undertow.server.handlers.ResponseCodeHandler;

/**
 * The test WildFly as the build provisioned it, with the subsystem's {@code dispatch=virtual}
 * (src/wildfly/subsystem.cli), started a second time on a JVM without virtual threads: the build's
 * own, when it is Java 17 (the first command of .ci/run; on Java 21 and later this test is
 * skipped). The server boots, and every web deployment fails with the library's message, which the
 * deployment scanner writes into the deployment's {@code .failed} marker, where a WildFly user
 * reads it. The host's own {@code dispatch=virtual} filter is turned off
 * ({@code -Dstreaming.dispatch=worker}), so that only the subsystem's failure shows.
 *
 * <p>This server has a base directory of its own (a copy of the configuration and the exploded
 * deployments) and its ports 100 above the first server's, which keeps running meanwhile
 * ({@link SecondWildFly}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WildFlyWithoutVirtualThreadsIT {

    private static final List<String> DEPLOYMENTS = List.of("streaming-app.war", "subsystem-app.war", "own-executor-app.war");

    @Test
    void theServerBootsAndEveryWebDeploymentFailsWithTheLibrarysMessage() throws Exception {
        assumeTrue(Runtime.version().feature() < 21, "this JVM has virtual threads; the first command of .ci/run, on Java 17, runs this test");
        String library = assertThrows(IllegalArgumentException.class,
                () -> new AsyncStreamingHandler(ResponseCodeHandler.HANDLE_404).setDispatch("virtual")).getMessage();
        assertTrue(library.startsWith("UTSTREAM0119: "), library);

        long t0 = System.nanoTime();
        SecondWildFly server = SecondWildFly.start("without-virtual-threads", System.getProperty("java.home"), DEPLOYMENTS,
                "-Dstreaming.dispatch=worker");
        WildFlyManagement management = server.management();
        Path base = server.base();
        try {
            Path deployments = base.resolve("deployments");
            Waits.await(() -> DEPLOYMENTS.stream().allMatch(d -> Files.exists(deployments.resolve(d + ".failed"))
                            || Files.exists(deployments.resolve(d + ".deployed"))),
                    Duration.ofSeconds(120), () -> "the deployment scanner did not finish with " + DEPLOYMENTS + " on Java "
                            + Runtime.version().feature() + "; see " + base.resolve("console.log"));
            // the markers are written while the server boots: then its state, once it has booted
            WildFlyManagement.Answer[] state = {null};
            Waits.await(() -> {
                try {
                    state[0] = management.execute("{\"operation\":\"read-attribute\",\"name\":\"server-state\"}");
                    return state[0].succeeded() && !"starting".equals(state[0].string("result"));
                } catch (IOException e) {
                    return false; // not listening yet
                }
            }, Duration.ofSeconds(60), Duration.ofMillis(50), () -> "the server did not finish booting: " + state[0]);
            System.out.printf("WildFly on Java %s, dispatch=virtual in the subsystem: server-state %s after %d ms; %s.failed: %s%n",
                    Runtime.version(), state[0].string("result"), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                    DEPLOYMENTS.get(1), Files.readString(deployments.resolve(DEPLOYMENTS.get(1) + ".failed")).strip());
            assertEquals("running", state[0].string("result"), "the subsystem does not fail the boot: " + state[0]);
            for (String d : DEPLOYMENTS) {
                assertFalse(Files.exists(deployments.resolve(d + ".deployed")), d + " was deployed on Java " + Runtime.version().feature());
                // the failure description, a DMR string (its quotes escaped): UTSTREAM0201 naming the deployment, then the library's message
                String failure = Files.readString(deployments.resolve(d + ".failed"));
                int subsystem = failure.indexOf("UTSTREAM0201: /subsystem=undertow-streaming cannot wrap deployment ");
                assertTrue(subsystem >= 0 && failure.indexOf(d, subsystem) > 0 && failure.indexOf(library, subsystem) > 0,
                        d + ".failed says: " + failure);
            }
        } finally {
            server.close();
        }
    }
}
