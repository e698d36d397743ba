package io.github.undertowstreaming.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code slowhttptest} (1.8), the slow-read ({@code -X}) and slow-POST ({@code -B})
 * attack tool, run against a test server: its per-second CSV report ({@code -g -o}), whose
 * columns are {@code Seconds,Closed,Pending,Connected,Service Available}. {@code .ci/run} installs
 * the package where it is missing. The process is stopped by its own handle when it overruns.
 *
 * <p>Its report says when the tool saw a connection close, not when the server closed it: in
 * slow-read mode it reads 32 bytes every 3 s, and a connection the server reset is seen closed
 * only once the bytes still queued in its receive buffer are read (a kilobyte: over a minute).
 * Tests take the server's side from the server (its counters).
 */
public final class SlowHttpTest {

    /** One second of the report: connections closed, pending and connected at that second. */
    public record Second(int second, int closed, int pending, int connected) {
    }

    private SlowHttpTest() {
    }

    /** Whether slowhttptest is on the PATH. */
    public static boolean installed() {
        try {
            Process p = new ProcessBuilder("slowhttptest", "-h").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Starts a slow read: {@code connections} connections (opened within a second) each ask
     * {@code GET uri} with a TCP receive window of 512 to 1024 bytes and read 32 bytes every 3 s
     * (about 10 bytes per second), for {@code length}.
     */
    public static Running slowRead(URI uri, int connections, Duration length) throws IOException {
        return new Running(List.of("-X", "-w", "512", "-y", "1024", "-n", "3", "-z", "32", "-k", "1"), uri, connections,
                length);
    }

    /**
     * Starts a slow POST (R-U-Dead-Yet): each connection sends {@code POST uri} with a
     * {@code Content-Length} of 65,536 and then a few bytes of body every 2 s, for {@code length}.
     */
    public static Running slowPost(URI uri, int connections, Duration length) throws IOException {
        return new Running(List.of("-B", "-s", "65536", "-i", "2", "-x", "10"), uri, connections, length);
    }

    /** slowhttptest under way. */
    public static final class Running {
        private final Process process;
        private final Path dir;
        private final Duration length;
        private final List<String> cmd;
        /** When it started ({@code System.nanoTime()}). */
        public final long startedNanos = System.nanoTime();

        Running(List<String> mode, URI uri, int connections, Duration length) throws IOException {
            this.dir = Files.createTempDirectory("slowhttptest");
            this.length = length;
            Path prefix = dir.resolve("report");
            cmd = new ArrayList<>(List.of("slowhttptest"));
            cmd.addAll(mode);
            cmd.addAll(List.of("-c", String.valueOf(connections), "-r", String.valueOf(connections),
                    "-l", String.valueOf(length.toSeconds()), "-p", "3", "-g", "-o", prefix.toString(), "-u", uri.toString()));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile()).start();
        }

        /** Waits for its end and returns its report, a row per second. */
        public List<Second> report() throws Exception {
            return finish(process, dir, length, cmd);
        }
    }

    private static List<Second> finish(Process p, Path dir, Duration length, List<String> cmd) throws Exception {
        if (!p.waitFor(length.toSeconds() + 30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("slowhttptest overran " + length + " by 30 s: " + cmd);
        }
        Path csv = dir.resolve("report.csv");
        if (!Files.exists(csv)) {
            fail("slowhttptest wrote no report (exit " + p.exitValue() + "): " + Files.readString(dir.resolve("out")));
        }
        List<Second> seconds = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            String[] f = line.split(",");
            if (f.length >= 4 && f[0].matches("\\d+")) {
                seconds.add(new Second(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        Integer.parseInt(f[3])));
            }
        }
        if (seconds.isEmpty()) {
            fail("slowhttptest's report is empty: " + Files.readString(dir.resolve("out")));
        }
        return seconds;
    }

}
