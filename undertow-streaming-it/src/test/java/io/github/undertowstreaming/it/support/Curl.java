package io.github.undertowstreaming.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.undertowstreaming.demo.Pattern;

/**
 * curl as a subprocess, with a hard deadline: {@code --max-time} for curl, and
 * {@code Process.waitFor} a little longer, after which the process is killed by its own handle
 * and the test fails. curl's exit code is the truth about the body: 0 = it looked complete;
 * 18 (partial file), 92 (HTTP/2 stream not closed cleanly, e.g. RST_STREAM), 16 (HTTP/2 framing),
 * 56 (receive failure), 52 (empty reply), 28 (timeout) = the client saw a failure.
 *
 * <p>The curl binary is {@code curl} on the PATH unless the system property {@code edge.curl}
 * names another. Proxies and {@code .curlrc} are ignored.
 */
public final class Curl {

    /** Extra time given to the process after curl's own {@code --max-time}, before killing it. */
    private static final Duration GRACE = Duration.ofSeconds(3);

    private final Protocol protocol;
    private final URI uri;
    private final List<String> headers = new ArrayList<>();
    private Duration maxTime = Duration.ofSeconds(10);
    private boolean head;
    private boolean http10;
    private boolean http11OverTls;
    private boolean discardBody;
    private String limitRate;
    private byte[] data;
    private URI upgradeFirst;

    private Curl(Protocol protocol, URI uri) {
        this.protocol = protocol;
        this.uri = uri;
    }

    public static Curl to(Protocol protocol, URI uri) {
        return new Curl(protocol, uri);
    }

    /** HEAD, with {@code -I} (so that curl does not wait for a body). */
    public Curl head() {
        this.head = true;
        return this;
    }

    /** HTTP/1.0 instead of the protocol's own option (only with {@link Protocol#HTTP_1_1}). */
    public Curl http10() {
        if (protocol != Protocol.HTTP_1_1) {
            throw new IllegalArgumentException("HTTP/1.0 goes over the plain listener only");
        }
        this.http10 = true;
        return this;
    }

    /** HTTP/1.1 over TLS (ALPN http/1.1) instead of h2 (only with {@link Protocol#TLS_H2}). */
    public Curl http11OverTls() {
        if (protocol != Protocol.TLS_H2) {
            throw new IllegalArgumentException("HTTP/1.1 over TLS goes over the TLS listener only");
        }
        this.http11OverTls = true;
        return this;
    }

    public Curl header(String line) {
        headers.add(line);
        return this;
    }

    /** POSTs {@code body} ({@code --data-binary} from a file). */
    public Curl post(byte[] body) {
        this.data = body.clone();
        return this;
    }

    public Curl maxTime(Duration d) {
        this.maxTime = d;
        return this;
    }

    /** {@code --limit-rate}, e.g. {@code "200k"}. */
    public Curl limitRate(String rate) {
        this.limitRate = rate;
        return this;
    }

    /**
     * With {@link Protocol#H2C_UPGRADE}: the upgrade is made by a request for {@code first} (its
     * response discarded), and this request goes as the next stream of the same connection
     * ({@code --next}; curl reuses the connection, {@code num_connects} 0). For tests whose
     * subject is a body rather than the upgraded first stream: curl 7.88 fails with exit 16 ("connection
     * buffer size is too small to store data following HTTP Upgrade response header") when more
     * than 32 KiB of HTTP/2 frames arrive in the same read as the 101, which a fast body on the
     * upgraded first stream causes now and then. Tests of the upgraded first stream itself run on
     * {@code EdgeServer}, which delays that stream instead.
     */
    public Curl upgradeWith(URI first) {
        if (protocol != Protocol.H2C_UPGRADE) {
            throw new IllegalArgumentException("only an h2c upgrade has a first request: " + protocol);
        }
        this.upgradeFirst = first;
        return this;
    }

    /** Writes the body to /dev/null: for endless bodies. The count still comes from curl. */
    public Curl discardBody() {
        this.discardBody = true;
        return this;
    }

    /** Runs curl to its end (or its deadline) and returns what it saw. */
    public Result run() throws IOException, InterruptedException {
        return start().await();
    }

    /** Starts curl; {@link Running#await} collects the result. */
    public Running start() throws IOException {
        Path dir = Files.createTempDirectory("edge-curl");
        Path body = dir.resolve("body");
        Path head = dir.resolve("headers");
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("edge.curl", "curl"));
        cmd.add("-q");
        if (upgradeFirst != null) {
            cmd.addAll(List.of("-s", "-S", "--noproxy", "*", "--connect-timeout", "5"));
            cmd.addAll(List.of("--max-time", String.format(Locale.ROOT, "%.3f", maxTime.toMillis() / 1000.0)));
            cmd.addAll(protocol.curlOptions());
            cmd.addAll(List.of("-o", "/dev/null", upgradeFirst.toString(), "--next"));
        }
        cmd.addAll(List.of("-s", "-S", "--noproxy", "*", "--connect-timeout", "5"));
        cmd.addAll(List.of("--max-time", String.format(Locale.ROOT, "%.3f", maxTime.toMillis() / 1000.0)));
        cmd.addAll(http10 ? List.of("--http1.0") : http11OverTls ? List.of("--http1.1", "-k") : protocol.curlOptions());
        cmd.addAll(List.of("-o", discardBody ? "/dev/null" : body.toString(), "-D", head.toString()));
        cmd.addAll(List.of("-w", "%{http_code} %{http_version} %{size_download} %{time_starttransfer}"));
        if (this.head) {
            cmd.add("-I");
        }
        if (limitRate != null) {
            cmd.addAll(List.of("--limit-rate", limitRate));
        }
        for (String h : headers) {
            cmd.addAll(List.of("-H", h));
        }
        if (data != null) {
            Path d = dir.resolve("data");
            Files.write(d, data);
            cmd.addAll(List.of("--data-binary", "@" + d));
        }
        cmd.add(uri.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.toLowerCase(Locale.ROOT).endsWith("_proxy"));
        long started = System.nanoTime();
        Process p = pb.start();
        return new Running(p, started, dir, body, head, out, err, cmd);
    }

    /** A curl process under way. */
    public final class Running {
        private final Process process;
        private final long startedNanos;
        private final Path dir;
        private final Path body;
        private final Path head;
        private final Path out;
        private final Path err;
        private final List<String> cmd;
        private boolean paused;

        Running(Process process, long startedNanos, Path dir, Path body, Path head, Path out, Path err,
                List<String> cmd) {
            this.process = process;
            this.startedNanos = startedNanos;
            this.dir = dir;
            this.body = body;
            this.head = head;
            this.out = out;
            this.err = err;
            this.cmd = cmd;
        }

        public Process process() {
            return process;
        }

        /**
         * Stops curl (SIGSTOP, by its PID): a client that stops reading and sending but keeps its
         * connection open. {@link #resume} lets it go on; {@link #await} and {@link #kill} resume it first.
         */
        public void pause() throws IOException, InterruptedException {
            signal("-STOP");
            paused = true;
        }

        /** Lets a {@linkplain #pause paused} curl go on (SIGCONT). */
        public void resume() throws IOException, InterruptedException {
            if (paused) {
                paused = false;
                signal("-CONT");
            }
        }

        private void signal(String signal) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                fail("kill " + signal + " " + process.pid() + " failed");
            }
        }

        /** How many body bytes curl has written so far (0 with {@code discardBody}). */
        public long bodyBytesSoFar() throws IOException {
            return Files.exists(body) ? Files.size(body) : 0;
        }

        /** Kills curl now (SIGKILL), as a client that crashed; returns when it is gone. */
        public void kill() throws InterruptedException {
            try {
                resume();
            } catch (IOException e) {
                // killed anyway
            }
            process.destroyForcibly();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                fail("curl did not die within 5 s of SIGKILL");
            }
        }

        /** Waits for curl's end, at most its max-time plus a grace; kills it and fails after that. */
        public Result await() throws IOException, InterruptedException {
            resume();
            try {
                Duration deadline = maxTime.plus(GRACE);
                if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                    fail("curl overran its deadline of " + deadline.toMillis() + " ms and was killed: " + cmd);
                }
                long ended = System.nanoTime();
                return collect(ended);
            } finally {
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
            }
        }

        private Result collect(long ended) throws IOException {
            try {
                String w = Files.readString(out, StandardCharsets.ISO_8859_1).trim();
                String[] f = w.isEmpty() ? new String[0] : w.split(" ");
                int status = f.length > 0 ? Integer.parseInt(f[0]) : 0;
                String version = f.length > 1 ? f[1] : "";
                long sizeDownload = f.length > 2 ? Long.parseLong(f[2]) : -1;
                long firstByte = f.length > 3 ? (long) (Double.parseDouble(f[3]) * 1e9) : -1;
                List<String> headerBlocks = Files.exists(head)
                        ? Files.readAllLines(head, StandardCharsets.ISO_8859_1) : List.of();
                long bytes = 0;
                String digest = Pattern.digest(0);
                if (!discardBody && Files.exists(body) && !Curl.this.head) {
                    bytes = Files.size(body);
                    try (InputStream in = Files.newInputStream(body)) {
                        digest = Pattern.digest(in);
                    }
                } else if (discardBody) {
                    bytes = sizeDownload;
                    digest = null;
                }
                return new Result(process.exitValue(), status, version, lastHeaders(headerBlocks), bytes, digest,
                        Files.readString(err, StandardCharsets.UTF_8).trim(), ended - startedNanos, ended,
                        firstByte, startsWithPattern(body));
            } finally {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path p : (Iterable<Path>) files::iterator) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }

        private boolean startsWithPattern(Path file) throws IOException {
            if (discardBody || Curl.this.head || !Files.exists(file) || Files.size(file) == 0) {
                return false;
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] first = in.readNBytes(16);
                for (int i = 0; i < first.length; i++) {
                    if (first[i] != (byte) (i % 251)) {
                        return false;
                    }
                }
                return first.length > 0;
            }
        }
    }

    /** The header lines of the last response head in a {@code -D} file (after a 101 or a 100). */
    private static Map<String, List<String>> lastHeaders(List<String> lines) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        for (String l : lines) {
            if (l.startsWith("HTTP/")) {
                h.clear();
                continue;
            }
            int colon = l.indexOf(':');
            if (colon > 0) {
                h.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(l.substring(colon + 1).trim());
            }
        }
        h.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(h);
    }

    /**
     * What curl saw. {@code bodyBytes} and {@code digest} (SHA-256 hex, as {@code Pattern.digest})
     * are of the body file; {@code patternBody} says whether it begins with pattern bytes (that
     * is, with bytes of a streamed body rather than of an error page). {@code firstByteNanos} is
     * curl's {@code time_starttransfer}: from its start to the first byte of the response.
     */
    public record Result(int exitCode, int status, String httpVersion, Map<String, List<String>> headers,
            long bodyBytes, String digest, String stderr, long elapsedNanos, long endedNanos, long firstByteNanos,
            boolean patternBody) {

        /** The first value of a response header by lower-case name, or null. */
        public String header(String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        @Override
        public String toString() {
            return "curl exit " + exitCode + ", HTTP/" + httpVersion + " " + status + ", " + bodyBytes
                    + " body bytes in " + String.format(Locale.ROOT, "%.3f s (first byte at %.3f s)", elapsedNanos / 1e9,
                            firstByteNanos / 1e9)
                    + (stderr.isEmpty() ? "" : ", stderr: " + stderr) + ", headers " + headers;
        }
    }
}
