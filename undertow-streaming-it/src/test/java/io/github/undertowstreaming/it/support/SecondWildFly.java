package io.github.undertowstreaming.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.wildfly.core.launcher.Launcher;
import org.wildfly.core.launcher.StandaloneCommandBuilder;

/**
 * The provisioned test WildFly (system property {@code wildfly.home}) started a second time, by
 * a test, while the first keeps running: with a base directory of its own next to the server (a
 * copy of the first one's configuration without its history, and the named exploded deployments,
 * each marked to be deployed; the first server's data, log and tmp stay its own), on 127.0.0.1,
 * its ports 100 above the first server's. One at a time: the tests that start one stop it before
 * they end ({@link #close}).
 */
public final class SecondWildFly implements AutoCloseable {

    /** How far above the first server's ports this one's are. */
    private static final int MORE_OFFSET = 100;

    private final Path base;
    private final int offset;
    private final Process process;

    private SecondWildFly(Path base, int offset, Process process) {
        this.base = base;
        this.offset = offset;
        this.process = process;
    }

    /**
     * Starts the server on {@code javaHome} with base directory {@code wildfly.home}'s sibling
     * {@code NAME-suffix}, {@code deployments} copied from the first server, and
     * {@code serverArguments} added; its console goes to {@code console.log} in the base directory.
     */
    public static SecondWildFly start(String suffix, String javaHome, List<String> deployments, String... serverArguments)
            throws IOException {
        Path home = Path.of(System.getProperty("wildfly.home"));
        return start(suffix, javaHome, home.resolve("standalone").resolve("deployments"), deployments, serverArguments);
    }

    /** As {@link #start(String, String, List, String...)}, the exploded {@code deployments} taken from {@code from}. */
    public static SecondWildFly start(String suffix, String javaHome, Path from, List<String> deployments, String... serverArguments)
            throws IOException {
        return start(Path.of(System.getProperty("wildfly.home")), suffix, javaHome, from, deployments, serverArguments);
    }

    /** As {@link #start(String, String, Path, List, String...)}, another installation: {@code home}'s. */
    public static SecondWildFly start(Path home, String suffix, String javaHome, Path from, List<String> deployments,
            String... serverArguments) throws IOException {
        Path base = home.resolveSibling(home.getFileName() + "-" + suffix);
        copyBaseDirectory(home.resolve("standalone"), from, base, deployments);
        int offset = Integer.getInteger("wildfly.port.offset", 10000) + MORE_OFFSET;
        StandaloneCommandBuilder command = StandaloneCommandBuilder.of(home)
                .setJavaHome(javaHome)
                .setBaseDirectory(base)
                .addServerArguments("-Djboss.bind.address=127.0.0.1", "-Djboss.bind.address.management=127.0.0.1",
                        "-Djboss.socket.binding.port-offset=" + offset)
                .addServerArguments(serverArguments);
        Process process = Launcher.of(command).setRedirectErrorStream(true).redirectOutput(base.resolve("console.log")).launch();
        return new SecondWildFly(base, offset, process);
    }

    public Path base() {
        return base;
    }

    /** The deployment scanner's directory of this server. */
    public Path deployments() {
        return base.resolve("deployments");
    }

    public Path serverLog() {
        return base.resolve("log").resolve("server.log");
    }

    public int httpPort() {
        return 8080 + offset;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort() + path);
    }

    /** The HTTP management API of this server, as the first one's test user. */
    public WildFlyManagement management() {
        return new WildFlyManagement(9990 + offset);
    }

    public Process process() {
        return process;
    }

    /** Stops the server if it still runs (SIGTERM: WildFly shuts down), and waits for it to end. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void copyBaseDirectory(Path standalone, Path from, Path base, List<String> deployments) throws IOException {
        if (Files.exists(base)) {
            try (Stream<Path> old = Files.walk(base)) {
                old.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        copyTree(standalone.resolve("configuration"), base.resolve("configuration"), "standalone_xml_history");
        Files.createDirectories(base.resolve("deployments"));
        for (String d : deployments) {
            copyTree(from.resolve(d), base.resolve("deployments").resolve(d), null);
            Files.createFile(base.resolve("deployments").resolve(d + ".dodeploy"));
        }
    }

    private static void copyTree(Path from, Path to, String leftOut) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path rel = from.relativize(p);
                if (leftOut != null && rel.startsWith(leftOut)) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
