package io.github.undertowstreaming.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.DemoServer;

/**
 * Sections 2, 3, 5 and 6: how fast bytes move to fast clients, each way of serving them next to
 * the others in the same run, in rounds whose order rotates. Kernel socket buffers are left at
 * their defaults here. Runs on the main thread; clients run on it too (one selector).
 */
final class Throughput {

    private static final long CAP = TimeUnit.SECONDS.toNanos(120);
    /** What the source returns per read at most, for every fast mode: the largest chunk compared. */
    private static final int SOURCE_READ = 64 * 1024;
    /** {@code --only fast}: sections 2, 3, 5 and 6, the fast clients and the slow source, alone. */
    static final String ID = "fast";

    private final Scale scale;
    private final Report report;
    private final Chart chart;

    Throughput(Scale scale, Report report, Chart chart) {
        this.scale = scale;
        this.report = report;
        this.chart = chart;
    }

    /** One way of serving the body: a label, a server, and the path that serves it. */
    private record Mode(String label, DemoServer server, String path) {
    }

    void run() throws Exception {
        try (Servers servers = new Servers()) {
            DemoServer plain = servers.start("fast", 0, StreamingOptions.defaults());
            DemoServer ahead1 = servers.start("fast-ra1", 0, StreamingOptions.builder().readAhead(1).build());
            DemoServer ahead2 = servers.start("fast-ra2", 0, StreamingOptions.builder().readAhead(2).build());
            String q = "?chunk=" + SOURCE_READ + "&size=";
            Mode blocking = new Mode("BlockingHandler + getOutputStream", plain, "/blocking/bytes" + q);

            List<Mode> one = List.of(blocking,
                    new Mode("library, read-ahead 0", plain, "/bytes" + q),
                    new Mode("library, read-ahead 1", ahead1, "/bytes" + q),
                    new Mode("Undertow async Sender, in-memory buffer", plain, "/sender/bytes" + q));
            warmUp(one);
            Report.Section s2 = compare("fast-one", "2. One fast client, " + size(scale.fastSize()) + " from a blocking in-memory source",
                    one, 1, scale.fastSize(), scale.fastRounds());
            s2.note("The source returns at most " + SOURCE_READ + " bytes a read; BlockingHandler copies through a "
                    + SOURCE_READ + "-byte array, the library reads chunks of one pooled buffer (16 KiB), the Sender sends "
                    + SOURCE_READ + "-byte slices of one direct buffer on the IO thread (meant as the upper bound: no"
                    + " blocking source, no worker).");

            // the read gate's cost: the same worker given as a user executor, which is not gated
            java.util.concurrent.atomic.AtomicReference<java.util.concurrent.Executor> worker =
                    new java.util.concurrent.atomic.AtomicReference<>();
            DemoServer ungated = servers.start("fast-ungated", 0,
                    StreamingOptions.builder().executor(task -> worker.get().execute(task)).build());
            worker.set(ungated.undertow().getWorker());
            List<Mode> many = List.of(blocking, new Mode("library, read-ahead 0", plain, "/bytes" + q),
                    new Mode("library, read-ahead 0, no read gate", ungated, "/bytes" + q));
            compare("fast-many", "3. " + scale.manyClients() + " concurrent fast clients, " + size(scale.manySize()) + " each",
                    many, scale.manyClients(), scale.manySize(), scale.fastRounds())
                    .note("'no read gate': the server's own worker given as the executor in the options, which the"
                            + " library does not gate, so all " + Scale.WORKERS + " workers may read at once (the"
                            + " default lets half of them).");

            String slow = "/bytes?chunk=16384&delayMs=2&size=";
            List<Mode> source = List.of(new Mode("library, read-ahead 0", plain, slow),
                    new Mode("library, read-ahead 1", ahead1, slow),
                    new Mode("library, read-ahead 2", ahead2, slow));
            compare("slow-source", "5. A slow source (2 ms per 16 KiB read), one client, " + size(scale.slowSourceSize()),
                    source, 1, scale.slowSourceSize(), 1)
                    .note("Reads sleep 2 ms each, so 16 KiB / 2 ms (8.2 MB/s) is the source's own limit.");

            List<Mode> defaults = new ArrayList<>();
            defaults.add(blocking);
            long[] budgets = {16 << 10, 256 << 10, StreamingOptions.DEFAULT_READ_BUDGET, Long.MAX_VALUE};
            for (long budget : budgets) {
                DemoServer server = budget == StreamingOptions.DEFAULT_READ_BUDGET ? plain
                        : servers.start("budget-" + budget, 0, StreamingOptions.builder().readBudget(budget).build());
                defaults.add(new Mode("library, read budget " + budgetText(budget), server, "/bytes" + q));
            }
            // chunk sizes in pooled buffers of 16 KiB, next to the default number
            for (int buffers : new int[] {1, 2, 4, 8}) {
                if (buffers == StreamingOptions.DEFAULT_CHUNK_BUFFERS) {
                    continue; // the default rows above
                }
                DemoServer chunks = servers.start("chunk-" + buffers, 0,
                        StreamingOptions.builder().chunkSize(buffers * (16 << 10)).build());
                defaults.add(new Mode("library, chunk " + buffers + " buffer" + (buffers == 1 ? "" : "s") + " ("
                        + (buffers * 16) + " KiB), default budget", chunks, "/bytes" + q));
            }
            warmUp(defaults);
            compare("defaults", "6. Defaults: one fast client, " + size(scale.fastSize()) + " from memory, read budget and chunk size",
                    defaults, 1, scale.fastSize(), scale.fastRounds())
                    .note("The rows with a read budget use the default chunk, " + StreamingOptions.DEFAULT_CHUNK_BUFFERS
                            + " pooled buffers; the rows"
                            + " with a chunk size use the default budget. StreamingOptions' javadoc cites these figures.");
        }
    }

    private void warmUp(List<Mode> modes) throws Exception {
        for (Mode m : modes) {
            run(m, 1, scale.warmupSize());
        }
    }

    /** Runs every mode {@code rounds} times, order rotating; one row per mode, ratios to the first. */
    private Report.Section compare(String id, String title, List<Mode> modes, int clients, long size, int rounds)
            throws Exception {
        double[][] mbps = new double[modes.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < modes.size(); k++) {
                int i = (k + r) % modes.size();
                mbps[i][r] = run(modes.get(i), clients, size);
            }
        }
        Report.Section s = report.section(id, title, "mode", "MB/s (median)", "MB/s (min)", "MB/s (max)",
                "÷ " + modes.get(0).label());
        s.note(clients + " client(s) x " + size + " bytes, " + rounds + " round(s) in rotating order; MB = 10^6 bytes;"
                + " time from the first connect to the last byte. " + Scale.WORKERS + " worker threads, 2 IO threads.");
        double base = median(mbps[0]);
        for (int i = 0; i < modes.size(); i++) {
            double med = median(mbps[i]);
            s.row(modes.get(i).label(), med, Arrays.stream(mbps[i]).min().orElse(0), Arrays.stream(mbps[i]).max().orElse(0),
                    med / base);
            if (!id.equals("slow-source")) {
                chart.throughput.addValue(med, modes.get(i).label(), title.substring(0, title.indexOf('.')) + ". "
                        + (clients == 1 ? "1 client" : clients + " clients"));
            }
            System.out.printf("%s | %-45s %8.1f MB/s (x%.2f)%n", id, modes.get(i).label(), med, med / base);
        }
        return s;
    }

    /** One run of {@code clients} clients reading {@code size} bytes each; returns MB/s. */
    private static double run(Mode m, int clients, long size) throws Exception {
        NioLoad.Result r = new NioLoad(m.server().port(), m.path() + size, clients, 0, 0, true).run(CAP);
        if (!r.allFinished()) {
            throw new IllegalStateException(m.label() + ": " + r.finished + " of " + clients + " finished, "
                    + r.failed + " failed: " + r.firstFailure);
        }
        return r.megabytesPerSecond();
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String size(long bytes) {
        return bytes >= 1L << 30 && bytes % (1L << 30) == 0 ? (bytes >> 30) + " GiB"
                : bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }

    private static String budgetText(long budget) {
        return budget == Long.MAX_VALUE ? "unlimited" : size(budget)
                + (budget == StreamingOptions.DEFAULT_READ_BUDGET ? " (default)" : "");
    }
}
