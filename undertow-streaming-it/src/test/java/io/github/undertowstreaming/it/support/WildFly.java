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
    private static final String THREAD_COUNT = platformMBean("threading", "read-attribute", "thread-count");
    private static final java.util.regex.Pattern RESULT = java.util.regex.Pattern.compile("\"result\"\\s*:\\s*(\\d+)");
    private static final java.util.regex.Pattern STRING_RESULT = java.util.regex.Pattern.compile("\"result\"\\s*:\\s*\"([^\"]*)\"");
    /** The server's process id, read once. */
    private static volatile String pid;

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
        return Long.parseLong(result(THREAD_COUNT, RESULT));
    }

    /**
     * The Java version of the server's JVM ({@code java.specification.version}, e.g. {@code 25}),
     * from {@code /core-service=platform-mbean/type=runtime:read-attribute(name=spec-version)}.
     */
    public static int javaVersion() {
        return Integer.parseInt(result(platformMBean("runtime", "read-attribute", "spec-version"), STRING_RESULT));
    }

    /**
     * The server's process id: the runtime MXBean's name, {@code PID@host}, read from the
     * management model (so it is the process that answers on the management port, whatever
     * started it).
     */
    public static String pid() {
        String p = pid;
        if (p == null) {
            String name = result(platformMBean("runtime", "read-attribute", "name"), STRING_RESULT);
            assertTrue(name.matches("\\d+@.*"), "the runtime MXBean's name is PID@host: " + name);
            pid = p = name.substring(0, name.indexOf('@'));
        }
        return p;
    }

    /** How many descriptors the server's process has open now: the entries of {@code /proc/PID/fd} (Linux). */
    public static long openFds() {
        Path fds = Path.of("/proc", pid(), "fd");
        try (var entries = Files.list(fds)) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + fds, e);
        }
    }

    /**
     * {@link #openFds} once the server's garbage collector and finalization have closed what an
     * earlier load left (XNIO closes its temporary selectors only from a finalizer): a
     * {@code gc} through the management model, then a count, until two counts agree, 5 s at most.
     */
    public static long settledOpenFds() {
        String gc = platformMBean("memory", "gc", null);
        long last = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (;;) {
            result(gc, java.util.regex.Pattern.compile("\"outcome\"\\s*:\\s*\"(success)\""));
            long now = openFds();
            if (now == last || System.nanoTime() - deadline > 0) {
                return now;
            }
            last = now;
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // polling, with the deadline above
        }
    }

    /** The port a socket binding of the server is bound to, e.g. {@code http-short-write-timeout} (the offset applied). */
    public static int boundPort(String socketBinding) {
        return Integer.parseInt(result("{\"operation\":\"read-attribute\",\"address\":[{\"socket-binding-group\":\"standard-sockets\"},"
                + "{\"socket-binding\":\"" + socketBinding + "\"}],\"name\":\"bound-port\"}", RESULT));
    }

    /**
     * An attribute of one of the default server's HTTP listeners, with its default if it is not
     * set, e.g. {@code listenerAttribute("default", "write-timeout")}: 90000 unless configured.
     */
    public static long listenerAttribute(String listener, String attribute) {
        return Long.parseLong(result("{\"operation\":\"read-attribute\",\"address\":[{\"subsystem\":\"undertow\"},"
                + "{\"server\":\"default-server\"},{\"http-listener\":\"" + listener + "\"}],\"name\":\"" + attribute
                + "\",\"include-defaults\":true}", RESULT));
    }

    private static String platformMBean(String type, String operation, String attribute) {
        return "{\"operation\":\"" + operation + "\",\"address\":[{\"core-service\":\"platform-mbean\"},{\"type\":\"" + type + "\"}]"
                + (attribute == null ? "" : ",\"name\":\"" + attribute + "\"") + "}";
    }

    /** Runs a management operation over the HTTP management API with JSON; returns the first group of {@code result} in its answer. */
    private static String result(String operation, java.util.regex.Pattern result) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + MANAGEMENT_PORT + "/management"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(operation)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = result.matcher(r.body());
            assertTrue(r.statusCode() == 200 && m.find(), "the management API answered " + r.statusCode() + ": " + r.body());
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The lines of the server's log file that contain {@code text}. */
    public static List<String> logLines(String text) {
        try (var lines = Files.lines(log())) {
            return lines.filter(l -> l.contains(text)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the server logs from now on: cheap to poll, it reads only what was added since the last look. */
    public static LogTail logTail() {
        try {
            return new LogTail(log(), Files.size(log()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path log() {
        String file = System.getProperty("wildfly.server.log");
        assertTrue(file != null, "the build passes the server's log file as wildfly.server.log");
        return Path.of(file);
    }

    /** The server's log from a point on (see {@link #logTail}). */
    public static final class LogTail {
        private final Path file;
        private long read;
        private final StringBuilder text = new StringBuilder();

        LogTail(Path file, long from) {
            this.file = file;
            this.read = from;
        }

        /** The first line logged since this tail was made that contains {@code s}, or null. */
        public String firstLineWith(String s) {
            try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(file)) {
                long size = c.size();
                if (size > read) {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) (size - read));
                    while (b.hasRemaining() && c.read(b, read + b.position()) >= 0) {
                        // reads to the size seen
                    }
                    read += b.position();
                    text.append(new String(b.array(), 0, b.position(), java.nio.charset.StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String whole = text.substring(0, text.lastIndexOf("\n") + 1); // a line still being written is not looked at yet
            for (String line : whole.split("\n")) {
                if (line.contains(s)) {
                    return line;
                }
            }
            return null;
        }
    }
}
