package io.github.undertowstreaming.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The benchmark: every figure measured in one run, side by side, written to
 * {@code results.json}, {@code results.md} and {@code results.png}. Starts demo servers on
 * 127.0.0.1 and drives them from clients in the same JVM, and, for section 1f (peers, Java 21 or
 * later), each peer server in a JVM of its own; everything it starts it stops.
 *
 * <pre>
 * mvn -B -q -DskipTests -pl undertow-streaming-it -am package exec:java@bench                          # full, under 10 minutes, and about 12 more for the peers
 * mvn -B -q -DskipTests -pl undertow-streaming-it -am package exec:java@bench -Dexec.args=--quick    # about half a minute, and 10 to 25 s more for the peers
 * </pre>
 *
 * Arguments: {@code --quick} (what CI runs), {@code --out DIR} (default
 * {@code undertow-streaming-it/target/bench}, or {@code target/bench} when run inside the module),
 * and {@code --only ID} to run one section of those that stand alone ({@code fair-sharing},
 * {@code blocking-routes}, {@code slow-read-attack}, {@code peers}: sections 1c, 1d, 1e and 1f),
 * written without the chart.
 */
public final class Benchmark {

    /** The section ids every results file holds, in order. */
    public static final List<String> SECTIONS =
            List.of("slow-clients", "memory", "fair-sharing", "blocking-routes", "slow-read-attack", Peers.ID, "fast-one", "fast-many", "overhead", "slow-source", "defaults");

    public static final String COMMAND = "mvn -B -q -DskipTests -pl undertow-streaming-it -am package exec:java@bench";

    /** The sections that {@code --only} runs alone. */
    static final List<String> ALONE = java.util.stream.Stream.concat(SlowClients.ALONE.stream(),
            java.util.stream.Stream.of(Peers.ID, Throughput.ID)).toList();

    /** Loggers quieted for the run, held so that their levels stick. */
    private static final List<Logger> QUIET = new ArrayList<>();

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        Scale scale = Scale.FULL;
        Path out = null;
        String only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> scale = Scale.QUICK;
                case "--only" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--only must be followed by a section id, one of " + ALONE);
                    }
                    only = args[++i];
                    if (!ALONE.contains(only)) {
                        throw new IllegalArgumentException("--only " + only + ": not a section that runs alone; those are "
                                + ALONE);
                    }
                }
                case "--out" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--out must be followed by a directory");
                    }
                    out = Paths.get(args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown argument \"" + args[i]
                        + "\"; usage: Benchmark [--quick] [--out DIR] [--only SECTION]");
            }
        }
        run(scale, out != null ? out : defaultOut(), only);
    }

    private static Path defaultOut() {
        Path here = Paths.get("").toAbsolutePath();
        return Files.isDirectory(here.resolve("undertow-streaming-it"))
                ? here.resolve("undertow-streaming-it/target/bench") : here.resolve("target/bench");
    }

    /** Runs every section at {@code scale} and writes the three files into {@code out}. */
    static void run(Scale scale, Path out) throws Exception {
        run(scale, out, null);
    }

    /** As {@link #run(Scale, Path)}; with {@code only}, that section alone, and no chart. */
    static void run(Scale scale, Path out, String only) throws Exception {
        quietLogs();
        Files.createDirectories(out);
        long t0 = System.nanoTime();
        Report report = new Report();
        Chart chart = new Chart();
        report.header.put("run", scale.name() + " (" + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ")");
        report.header.put("command", COMMAND + (scale == Scale.QUICK || only != null ? " -Dexec.args=\""
                + (scale == Scale.QUICK ? "--quick" : "") + (scale == Scale.QUICK && only != null ? " " : "")
                + (only != null ? "--only " + only : "") + "\"" : ""));
        report.header.putAll(machine());
        report.header.put("setup", "server and clients in one JVM, all on 127.0.0.1; Undertow "
                + io.undertow.Version.getVersionString() + ", 2 IO threads, " + Scale.WORKERS
                + " worker threads, 16 KiB pooled buffers; defaults of the library unless a row says otherwise; section 1f"
                + " (peers) runs each server in a JVM of its own, as its notes say");

        if (Peers.ID.equals(only)) {
            new Peers(scale, report, out).run();
        } else if (Throughput.ID.equals(only)) {
            new Throughput(scale, report, chart).run();
        } else if (only != null) {
            new SlowClients(scale, report, chart).runAlone(only);
        } else {
            new SlowClients(scale, report, chart).run();
            new Peers(scale, report, out).run();
            new Throughput(scale, report, chart).run();
            new Overhead(scale, report).run();
        }
        // sections in the order of the issue
        report.sections.sort((a, b) -> Integer.compare(SECTIONS.indexOf(a.id), SECTIONS.indexOf(b.id)));

        double seconds = (System.nanoTime() - t0) / 1e9;
        report.header.put("duration", String.format(Locale.ROOT, "%.0f s", seconds));
        if (only == null) {
            chart.write(out.resolve("results.png"), "Slow clients: BlockingHandler vs the library (" + scale.name() + " run)",
                    "slow clients (" + Throughput.size(scale.slowBody()) + " each at " + (scale.slowPace() >> 10) + " KiB/s)");
        }
        report.writeJson(out.resolve("results.json"));
        report.writeMarkdown(out.resolve("results.md"), only == null ? "results.png" : null);
        System.out.printf("benchmark (%s) done in %.0f s: %s%n", scale.name(), seconds, out.toAbsolutePath());
    }

    /** The machine, as the README reports it. */
    private static java.util.Map<String, Object> machine() throws IOException {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        String cpu = "unknown";
        Path cpuinfo = Paths.get("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            for (String line : Files.readAllLines(cpuinfo)) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        }
        m.put("cpu", cpu);
        m.put("cores (nproc)", Runtime.getRuntime().availableProcessors());
        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        // only the JVM's own flags: system properties would carry paths of the machine
        m.put("jvm flags", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X")).collect(java.util.stream.Collectors.joining(" ")));
        m.put("memory", memTotal());
        return m;
    }

    private static String memTotal() throws IOException {
        Path meminfo = Paths.get("/proc/meminfo");
        if (Files.isReadable(meminfo)) {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return (kb >> 10) + " MiB";
                }
            }
        }
        return "unknown";
    }

    /**
     * Clients that go away on purpose (capped runs) would otherwise log a stack trace each, from
     * Undertow's request logger and, when a blocking handler fails after its response started
     * (UT000002 from Connectors.executeRootHandler), from jboss-threads' uncaught-exception handler.
     */
    private static void quietLogs() {
        for (String name : new String[] {"io.undertow.request", "io.undertow.request.io", "org.jboss.threads",
                "org.xnio", "org.xnio.nio", "io.undertow", "io.github.undertowstreaming"}) {
            Logger l = Logger.getLogger(name);
            l.setLevel(name.startsWith("io.undertow.request") || name.equals("org.jboss.threads") ? Level.OFF : Level.WARNING);
            QUIET.add(l);
        }
    }
}
