package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.ProcessResources;
import io.github.undertowstreaming.it.support.SlowLoad;
import io.github.undertowstreaming.it.support.TestServer;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.server.handlers.builder.PredicatedHandlersParser;

/**
 * Transparent mode: existing blocking code ({@code BlockingHandler} writing to
 * {@code getOutputStream()}) dispatched to virtual threads by {@code dispatch=virtual}, its waits
 * for the socket parked instead of selecting. On Java 17 the option fails at configuration.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransparentModeTest {

    /**
     * The scale the issue names, 512 slow clients and 256 slow uploads of 4 MiB, with
     * {@code -Dtransparent.full=true}, which the Java 25 build gives; otherwise an eighth of it
     * (64 clients, 64 uploads of 1 MiB), where the virtual-thread tests skip anyway. The downloads
     * are 4 MiB at both scales (16 s a body at the full scale's pace): they were 8 MiB at the full
     * scale, 32 s a body, which doubled what the two download tests cost CI for no more waiting
     * writers (what they count: descriptors and threads while every client is slow).
     */
    static final boolean FULL = Boolean.getBoolean("transparent.full");
    static final long SIZE = 4L << 20;
    /**
     * Bytes per second per client: 4 s a body. At the full scale a quarter of it (16 s a body):
     * 512 clients at 1 MiB/s are 512 MiB/s through loopback, which saturated this 2-core machine
     * (the clients and the server share it), and /ping then waited for CPU, not for a thread.
     */
    private static final long PACE = FULL ? 256 * 1024 : 1L << 20;
    static final int CLIENTS = FULL ? 512 : 64;
    private static final int UPLOADS = FULL ? 256 : 64;
    private static final long UPLOAD_SIZE = FULL ? 4L << 20 : 1L << 20;

    @Test
    void dispatchVirtualFailsAtConfigurationOnAJvmWithoutVirtualThreads() {
        assumeTrue(Runtime.version().feature() < 21, "this JVM has virtual threads");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PredicatedHandlersParser.parseHandler("async-streaming(dispatch=virtual)",
                        getClass().getClassLoader()).wrap(exchange -> { }));
        assertTrue(e.getMessage().contains("dispatch=virtual") && e.getMessage().contains("Java "
                + Runtime.version().feature()) && e.getMessage().contains("Java 21"), e.getMessage());
        assertThrows(IllegalArgumentException.class, StreamingOptions::virtualThreads);
        new AsyncStreamingHandler(exchange -> { }).setDispatch("worker"); // the default needs nothing
    }

    @Test
    void slowClientsOfABlockingRouteOnVirtualThreadsHoldNeitherPlatformThreadsNorFileDescriptors() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later; skipped on "
                + Runtime.version().feature());
        HttpHandler routes = blockingRoutes(SIZE);
        assertParkedWaitsHoldNeitherPlatformThreadsNorDescriptors("transparent mode", load(routes, true),
                load(routes, false));
    }

    /** {@code /blocking}: {@code size} pattern bytes written by a BlockingHandler; {@code /ping}: {@code pong}. */
    private static HttpHandler blockingRoutes(long size) {
        return Handlers.path()
                .addPrefixPath("/blocking", new BlockingHandler(exchange -> {
                    try (InputStream in = Pattern.stream(size); OutputStream out = exchange.getOutputStream()) {
                        in.transferTo(out);
                    }
                }))
                .addPrefixPath("/ping", new BlockingHandler(exchange -> exchange.getOutputStream().write("pong".getBytes())));
    }

    /** WildFly's default read and write timeout of every listener: 90 s each. */
    static final java.util.function.Consumer<io.undertow.Undertow.Builder> WILDFLY_TIMEOUTS = b -> b
            .setSocketOption(Options.READ_TIMEOUT, 90_000).setSocketOption(Options.WRITE_TIMEOUT, 90_000);

    /**
     * The same load behind a listener with WildFly's timeouts: the parked waits keep them (see
     * Parking) and still hold no descriptor, where they used to step aside for XNIO's selector.
     */
    @Test
    void slowClientsBehindWildFlysListenerTimeoutsHoldNeitherPlatformThreadsNorFileDescriptors() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later; skipped on "
                + Runtime.version().feature());
        HttpHandler routes = blockingRoutes(SIZE);
        // at the small scale even in the full run: the descriptors per client are the point, not the scale
        assertParkedWaitsHoldNeitherPlatformThreadsNorDescriptors("transparent mode behind WildFly's listener timeouts",
                load(routes, true, WILDFLY_TIMEOUTS, 64, SIZE, 1L << 20),
                load(routes, false, WILDFLY_TIMEOUTS, 64, SIZE, 1L << 20));
    }

    /**
     * TLS, where Undertow's SSL conduit changes the socket's interest from the IO thread itself: a
     * writer that resumed writes from its own thread raced with it and could wait forever. Rounds
     * of slow HTTP/1.1 TLS clients, behind WildFly's timeouts, must all finish, every round.
     */
    @Test
    void slowTlsClientsOfABlockingRouteOnVirtualThreadsAllFinishInEachOfFiveRounds() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later; skipped on "
                + Runtime.version().feature());
        int clients = 128;
        long size = 512L << 10;
        HttpHandler route = new BlockingHandler(exchange -> {
            try (InputStream in = Pattern.stream(size); OutputStream out = exchange.getOutputStream()) {
                in.transferTo(out);
            }
        });
        StreamingOptions options = StreamingOptions.builder().dispatch(StreamingOptions.virtualThreads()).build();
        java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try (TestServer server = TestServer.start(new AsyncStreamingHandler(route, options), b -> WILDFLY_TIMEOUTS
                .accept(b.setWorkerThreads(4).setSocketOption(Options.SEND_BUFFER, 16 * 1024)))) {
            for (int round = 1; round <= 5; round++) {
                long t0 = System.nanoTime();
                java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(clients);
                java.util.List<java.util.concurrent.Future<String>> downloads = new java.util.ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    downloads.add(readers.submit(io.github.undertowstreaming.it.support.SlowReader.overTls(
                            server.httpsPort(), "/", 512 * 1024, started)));
                }
                for (java.util.concurrent.Future<String> d : downloads) {
                    assertEquals(Pattern.digest(size), d.get(60, TimeUnit.SECONDS), "round " + round);
                }
                System.out.printf("TLS, round %d: %d slow clients of %d KiB, every body byte-exact in %d ms%n", round,
                        clients, size >> 10, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
        } finally {
            readers.shutdownNow();
        }
    }

    /**
     * HTTP/2: a blocking write waits for the stream's flow-control window, which Undertow's stream
     * channel does in {@code synchronized} + {@code wait} (pinning a virtual thread's carrier on
     * Java 21 to 23). In transparent mode it parks: a thread dump taken while 64 streams wait
     * (their client grants no window) shows every writer parked and no thread waiting on a
     * monitor in Undertow's code. Then the client opens the windows and every body arrives whole.
     */
    @Test
    void slowHttp2StreamsOnVirtualThreadsWaitParkedAndNoThreadWaitsOnAMonitor() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads and Thread.dump_to_file need Java 21 or later;"
                + " skipped on " + Runtime.version().feature());
        int connections = 8;
        int streamsEach = 8;
        int size = 1 << 20;
        HttpHandler route = new BlockingHandler(exchange -> {
            try (InputStream in = Pattern.stream(size); OutputStream out = exchange.getOutputStream()) {
                in.transferTo(out);
            }
        });
        StreamingOptions options = StreamingOptions.builder().dispatch(StreamingOptions.virtualThreads()).build();
        java.util.List<io.github.undertowstreaming.it.support.H2c> clients = new java.util.ArrayList<>();
        try (TestServer server = TestServer.start(new AsyncStreamingHandler(route, options), WILDFLY_TIMEOUTS)) {
            for (int c = 0; c < connections; c++) {
                io.github.undertowstreaming.it.support.H2c h2 = io.github.undertowstreaming.it.support.H2c
                        .connect(server.httpPort(), false); // the default windows: 64 KiB a stream and the connection
                clients.add(h2);
                for (int s = 0; s < streamsEach; s++) {
                    h2.request(1 + 2 * s, "GET", "/");
                }
            }
            int writers = connections * streamsEach;
            String[] dump = new String[1];
            io.github.undertowstreaming.it.support.Waits.await(() -> {
                dump[0] = io.github.undertowstreaming.it.support.ThreadDumps.dumpToFile();
                return io.github.undertowstreaming.it.support.ThreadDumps.threadsWith(dump[0], "Parking.await").size() >= writers;
            }, java.time.Duration.ofSeconds(20), () -> "not every writer is parked; the last dump:\n" + dump[0]);
            java.util.List<String> onMonitors = io.github.undertowstreaming.it.support.ThreadDumps.threadsWith(dump[0],
                    "java.lang.Object.wait").stream().filter(t -> t.contains("io.undertow.")).toList();
            System.out.printf("HTTP/2: %d writers parked, %d threads waiting on a monitor in Undertow's code%n",
                    io.github.undertowstreaming.it.support.ThreadDumps.threadsWith(dump[0], "Parking.await").size(),
                    onMonitors.size());
            assertEquals(java.util.List.of(), onMonitors, "threads waiting on a monitor in Undertow's code");
            java.util.List<java.util.concurrent.CompletableFuture<Long>> bodies = new java.util.ArrayList<>();
            for (io.github.undertowstreaming.it.support.H2c h2 : clients) {
                bodies.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(h2, streamsEach)));
            }
            for (java.util.concurrent.CompletableFuture<Long> b : bodies) {
                assertEquals((long) streamsEach * size, b.get(60, TimeUnit.SECONDS));
            }
        } finally {
            for (io.github.undertowstreaming.it.support.H2c h2 : clients) {
                h2.close();
            }
        }
    }

    /** Opens the windows of {@code streams} streams and reads their DATA to the end; returns the bytes. */
    private static long readAll(io.github.undertowstreaming.it.support.H2c h2, int streams) {
        try {
            h2.windowUpdate(0, Integer.MAX_VALUE - 65_535);
            for (int s = 0; s < streams; s++) {
                h2.windowUpdate(1 + 2 * s, Integer.MAX_VALUE - 65_535);
            }
            long bytes = 0;
            for (int ended = 0; ended < streams; ) {
                io.github.undertowstreaming.it.support.H2c.Frame f = h2.read(java.time.Duration.ofSeconds(30));
                if (f.type() == io.github.undertowstreaming.it.support.H2c.DATA) {
                    bytes += f.payload().length;
                    if (f.has(io.github.undertowstreaming.it.support.H2c.END_STREAM)) {
                        ended++;
                    }
                } else if (f.type() == io.github.undertowstreaming.it.support.H2c.RST_STREAM
                        || f.type() == io.github.undertowstreaming.it.support.H2c.GOAWAY) {
                    throw new IOException("the server sent " + f);
                }
            }
            return bytes;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * What the slow-client tests claim, from a load with the library and one without: the
     * library's parked waits add no descriptors, the baseline's selectors do, and the library uses
     * no more platform threads than the carriers.
     */
    static void assertParkedWaitsHoldNeitherPlatformThreadsNorDescriptors(String what, Load library, Load baseline) {
        int clients = library.clients;
        System.out.printf("%s, %d slow clients: library %s | plain setDispatchExecutor %s%n",
                what, clients, library, baseline);
        // every connection costs two descriptors here (server and client are one process); the
        // library's parked waits add none, XNIO's selector per waiting thread adds two each (epoll, eventfd)
        assertTrue(library.peakFds - library.idleFds <= 2 * clients + 16, "library: " + library);
        assertTrue(baseline.peakFds - baseline.idleFds > library.peakFds - library.idleFds + clients / 2,
                "the baseline should show the selectors' descriptors: " + baseline + " vs " + library);
        // carriers are the only platform threads virtual threads use
        assertTrue(library.peakThreads - library.idleThreads <= Runtime.getRuntime().availableProcessors() + 4,
                "library: " + library);
    }

    /** What one load saw: descriptors and platform threads, idle and at the peak. */
    static final class Load {
        int clients;
        long idleFds;
        long peakFds;
        long idleThreads;
        long peakThreads;
        long slowestPing;

        @Override
        public String toString() {
            return "fds " + idleFds + " idle, " + peakFds + " peak; platform threads (server side) " + idleThreads
                    + " idle, " + peakThreads + " peak; slowest /ping " + slowestPing + " ms";
        }
    }

    /**
     * {@link #CLIENTS} slow readers of {@code /blocking} on {@code routes} (a body of {@link #SIZE}
     * pattern bytes; {@code /ping} answers {@code pong}), with the library's transparent mode on
     * virtual threads or with a plain {@code setDispatchExecutor} to virtual threads.
     */
    static Load load(HttpHandler routes, boolean library) throws Exception {
        return load(routes, library, b -> { }, CLIENTS, SIZE, PACE);
    }

    /**
     * As {@link #load(HttpHandler, boolean)}, with the server's builder changed by {@code listener},
     * {@code clients} clients of a {@code size}-byte body (the route's) at {@code pace} bytes/s.
     */
    static Load load(HttpHandler routes, boolean library, java.util.function.Consumer<io.undertow.Undertow.Builder> listener,
            int clients, long size, long pace) throws Exception {
        HttpHandler root = library
                ? new AsyncStreamingHandler(routes, StreamingOptions.builder().dispatch(StreamingOptions.virtualThreads()).build())
                : exchange -> {
                    exchange.setDispatchExecutor(StreamingOptions.virtualThreads()); // the obvious way
                    routes.handleRequest(exchange);
                };
        Load load = new Load();
        load.clients = clients;
        try (TestServer server = TestServer.start(root, b -> listener.accept(b.setWorkerThreads(4)
                .setSocketOption(Options.SEND_BUFFER, 16 * 1024)))) {
            SlowLoad.millisToAnswer(server.http("/ping"), "pong"); // warm
            load.idleFds = ProcessResources.settledFdCount();
            load.idleThreads = serverThreads();
            AtomicLong peakFds = new AtomicLong();
            AtomicLong peakThreads = new AtomicLong();
            try (SlowLoad readers = SlowLoad.start(server.httpPort(), "/blocking", clients, pace, server.http("/ping"), "pong")) {
                load.slowestPing = readers.assertAnswersWhileInFlight(server.http("/ping"), "pong", 5, () -> {
                    peakFds.accumulateAndGet(ProcessResources.fdCount(), Math::max);
                    peakThreads.accumulateAndGet(serverThreads(), Math::max);
                });
                readers.assertAllFinishWith(Pattern.digest(size));
            }
            load.peakFds = peakFds.get();
            load.peakThreads = peakThreads.get();
        }
        return load;
    }

    /** Platform threads that are not the test's clients (SlowLoad's pool threads are named pool-N). */
    private static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.getName().startsWith("pool-")).count();
    }

    @Test
    void withDispatchVirtualStreamingSendReadsItsBodyOnAVirtualThreadAndWithoutItOnTheWorker() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later; skipped on "
                + Runtime.version().feature());
        java.util.Map<String, String> readers = new java.util.concurrent.ConcurrentHashMap<>();
        HttpHandler send = exchange -> {
            String path = exchange.getRequestPath();
            io.github.undertowstreaming.Streaming.send(exchange, StreamingBody.ofInputStream(() -> {
                readers.put(path, Thread.currentThread().getName()); // the opener runs where the reads do
                return Pattern.stream(100_000);
            }, 100_000));
        };
        HttpHandler routes = Handlers.path()
                .addPrefixPath("/virtual", AsyncStreamingHandler.wrap(StreamingOptions.builder()
                        .dispatch(StreamingOptions.virtualThreads()).build(), send))
                .addPrefixPath("/worker", AsyncStreamingHandler.wrap(send));
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        try (TestServer server = TestServer.start(routes)) {
            for (String path : new String[] {"/virtual", "/worker"}) {
                java.net.http.HttpResponse<InputStream> r = client.send(java.net.http.HttpRequest.newBuilder(server.http(path))
                        .timeout(java.time.Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, r.statusCode());
                assertEquals(Pattern.digest(100_000), Pattern.digest(r.body()));
            }
        }
        // VirtualThreads names its threads undertow-streaming-vt-N; XNIO's workers are "XNIO-N task-M"
        assertTrue(readers.get("/virtual").startsWith("undertow-streaming-vt-"), readers::toString);
        assertTrue(readers.get("/worker").contains("task"), readers::toString);
    }

    @Test
    void theOptionPrintsAndParsesAsText() {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later");
        AsyncStreamingHandler h = (AsyncStreamingHandler) PredicatedHandlersParser.parseHandler(
                "async-streaming(dispatch=virtual)", getClass().getClassLoader()).wrap(exchange -> { });
        assertEquals("async-streaming(dispatch=virtual)", h.toString());
        assertEquals(StreamingOptions.virtualThreads(), h.getOptions().dispatch());
    }

    @Test
    void aBurstBeyondMaxDispatchedGets503WithRetryAfterWhileTheOthersRunAndWait() throws Exception {
        java.util.concurrent.ExecutorService platform = java.util.concurrent.Executors.newCachedThreadPool();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger entered = new java.util.concurrent.atomic.AtomicInteger();
        HttpHandler held = new BlockingHandler(exchange -> {
            entered.incrementAndGet();
            assertTrue(release.await(30, TimeUnit.SECONDS));
            exchange.getOutputStream().write("done".getBytes());
        });
        StreamingOptions options = StreamingOptions.builder().dispatch(platform).maxDispatched(1).build();
        try (TestServer server = TestServer.start(new AsyncStreamingHandler(held, options))) {
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            java.util.function.Supplier<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> get =
                    () -> client.sendAsync(java.net.http.HttpRequest.newBuilder(server.http("/")).timeout(java.time.Duration.ofSeconds(30))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            var running = get.get();
            io.github.undertowstreaming.it.support.Waits.await(() -> entered.get() == 1, java.time.Duration.ofSeconds(10),
                    () -> "the first exchange never ran");
            // two more: whichever reaches the server second is refused at once, the other waits
            var second = get.get();
            var third = get.get();
            java.net.http.HttpResponse<?> refused = (java.net.http.HttpResponse<?>)
                    java.util.concurrent.CompletableFuture.anyOf(second, third).get(10, TimeUnit.SECONDS);
            assertEquals(503, refused.statusCode());
            assertEquals("1", refused.headers().firstValue("retry-after").orElse(null));
            assertEquals(1, entered.get(), "the other waits for the first");
            release.countDown();
            assertEquals("done", running.get(10, TimeUnit.SECONDS).body());
            var waited = second.isDone() && second.get().statusCode() == 503 ? third : second;
            assertEquals("done", waited.get(10, TimeUnit.SECONDS).body());
            assertEquals(2, entered.get());
        } finally {
            release.countDown();
            platform.shutdownNow();
        }
    }

    @Test
    void aClientThatGoesAwayWhileTheWriterIsParkedMakesItsNextWriteThrowAndReleasesTheThread() throws Exception {
        java.util.concurrent.ExecutorService platform = java.util.concurrent.Executors.newCachedThreadPool();
        java.util.concurrent.CompletableFuture<Throwable> writerEnded = new java.util.concurrent.CompletableFuture<>();
        HttpHandler endless = endlessWriter(writerEnded);
        StreamingOptions options = StreamingOptions.builder().dispatch(platform).build();
        try (TestServer server = TestServer.start(new AsyncStreamingHandler(endless, options),
                b -> b.setSocketOption(Options.SEND_BUFFER, 16 * 1024))) {
            try (io.github.undertowstreaming.it.support.RawHttp c =
                    io.github.undertowstreaming.it.support.RawHttp.connect(server.httpPort(), 8 * 1024)) {
                c.get("/");
                c.body().readNBytes(64 * 1024);
                // the writer is soon parked on a full socket: the client goes away
                c.abort();
            }
            Throwable t = writerEnded.get(5, TimeUnit.SECONDS);
            assertTrue(t instanceof IOException, String.valueOf(t));
        } finally {
            platform.shutdownNow();
        }
    }

    @Test
    void slowUploadsToABlockingReaderOnVirtualThreadsHoldNoPlatformThreadNorDescriptor() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later; skipped on "
                + Runtime.version().feature());
        int clients = UPLOADS;
        long size = UPLOAD_SIZE;
        HttpHandler reader = new BlockingHandler(exchange -> {
            long n = exchange.getInputStream().transferTo(OutputStream.nullOutputStream());
            exchange.getOutputStream().write(Long.toString(n).getBytes());
        });
        StreamingOptions options = StreamingOptions.builder().dispatch(StreamingOptions.virtualThreads()).build();
        // Undertow 2.4 refuses request bodies over 2 MiB by default (UT000020, MAX_ENTITY_SIZE)
        try (TestServer server = TestServer.start(new AsyncStreamingHandler(reader, options), b -> b.setWorkerThreads(4)
                .setServerOption(io.undertow.UndertowOptions.MAX_ENTITY_SIZE, 2 * size))) {
            long idleFds = ProcessResources.settledFdCount();
            long idleThreads = serverThreads();
            java.util.concurrent.ExecutorService uploaders = java.util.concurrent.Executors.newFixedThreadPool(clients);
            java.util.concurrent.CountDownLatch halfway = new java.util.concurrent.CountDownLatch(clients);
            java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
            java.util.List<java.util.concurrent.Future<String>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < clients; i++) {
                answers.add(uploaders.submit(() -> upload(server.httpPort(), size, halfway, finish)));
            }
            try {
                if (!halfway.await(60, TimeUnit.SECONDS)) {
                    java.util.Set<String> failures = new java.util.TreeSet<>();
                    for (java.util.concurrent.Future<String> a : answers) {
                        if (a.isDone()) {
                            try {
                                a.get();
                            } catch (java.util.concurrent.ExecutionException e) {
                                failures.add(String.valueOf(e.getCause()));
                            }
                        }
                    }
                    org.junit.jupiter.api.Assertions.fail(halfway.getCount() + " of " + clients
                            + " uploads never got halfway; the uploads that failed: " + failures);
                }
                long held = ProcessResources.fdCount() - idleFds;
                long busyPlatform = serverThreads();
                System.out.printf("slow uploads: %d connections of %d KiB hold %d fds beyond idle; platform threads"
                        + " (server side) %d idle, %d halfway%n", clients, size >> 10, held, idleThreads, busyPlatform);
                // two per connection (server and client are one process), nothing per waiting reader
                assertTrue(held <= 2 * clients + 16, "descriptors beyond idle: " + held);
                // carriers are the only platform threads the parked readers use
                assertTrue(busyPlatform - idleThreads <= Runtime.getRuntime().availableProcessors() + 4,
                        "platform threads " + idleThreads + " idle, " + busyPlatform + " with every upload halfway");
            } finally {
                finish.countDown();
            }
            for (java.util.concurrent.Future<String> a : answers) {
                assertEquals(Long.toString(size), a.get(60, TimeUnit.SECONDS));
            }
            uploaders.shutdownNow();
        }
    }

    /** Sends half the body, signals, waits for the go, sends the rest; returns the response body. */
    private static String upload(int port, long size, java.util.concurrent.CountDownLatch halfway,
            java.util.concurrent.CountDownLatch finish) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + size
                    + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] half = new byte[(int) (size / 2)];
            out.write(half);
            out.flush();
            halfway.countDown();
            assertTrue(finish.await(60, TimeUnit.SECONDS));
            out.write(half);
            out.flush();
            String response = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    @Test
    void aServerWhosePoolCachesBuffersPerThreadGetsOneWarningWithTheFix() throws Exception {
        java.util.concurrent.ExecutorService platform = java.util.concurrent.Executors.newCachedThreadPool();
        HttpHandler ok = new BlockingHandler(exchange -> exchange.getOutputStream().write("ok".getBytes()));
        try (io.github.undertowstreaming.it.support.LogCapture logs =
                io.github.undertowstreaming.it.support.LogCapture.of("io.github.undertowstreaming");
                TestServer server = TestServer.start(new AsyncStreamingHandler(ok,
                        StreamingOptions.builder().dispatch(platform).build()))) { // Undertow's default pool: 4 a thread
            for (int i = 0; i < 3; i++) {
                SlowLoad.millisToAnswer(server.http("/"), "ok");
            }
            java.util.List<String> warnings = logs.containing("UTSTREAM0014");
            assertEquals(1, warnings.size(), () -> "one warning per handler: " + logs.messages());
            assertTrue(warnings.get(0).contains("thread-local-cache-size=0")
                    && warnings.get(0).contains("new DefaultByteBufferPool(direct, bufferSize, 1024, 0)"), warnings.get(0));
        } finally {
            platform.shutdownNow();
        }
    }

    @Test
    void anApplicationThatDispatchesToItsOwnExecutorKeepsItAndTheHandlerSaysSoOncePerContextPath() throws Exception {
        // what Undertow's servlet layer does for a deployment with an executor of its own:
        // exchange.dispatch(deploymentExecutor, ...) on the IO thread (ServletInitialHandler)
        java.util.concurrent.atomic.AtomicInteger ours = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService platform = java.util.concurrent.Executors.newCachedThreadPool();
        java.util.concurrent.ExecutorService own = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "the-application's-own");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.Executor counting = task -> {
            ours.incrementAndGet();
            platform.execute(task);
        };
        HttpHandler threadName = exchange -> exchange.getOutputStream().write(Thread.currentThread().getName().getBytes());
        HttpHandler routes = Handlers.path()
                .addPrefixPath("/own", exchange -> {
                    exchange.startBlocking();
                    exchange.dispatch(own, threadName);
                })
                .addPrefixPath("/plain", new BlockingHandler(threadName))
                .addPrefixPath("/io", exchange -> exchange.dispatch(exchange.getIoThread(),
                        () -> exchange.getResponseSender().send("io"))); // non-blocking, back to the IO thread
        StreamingOptions options = StreamingOptions.builder().dispatch(counting).build();
        try (io.github.undertowstreaming.it.support.LogCapture logs =
                io.github.undertowstreaming.it.support.LogCapture.of("io.github.undertowstreaming");
                TestServer server = TestServer.start(new AsyncStreamingHandler(routes, options))) {
            for (int i = 0; i < 3; i++) {
                SlowLoad.millisToAnswer(server.http("/own/x"), "the-application's-own");
            }
            assertEquals(0, ours.get(), "the handler's executor ran none of the application's exchanges");
            java.util.List<String> told = logs.containing("UTSTREAM0015");
            assertEquals(1, told.size(), () -> "once per context path: " + logs.messages());
            assertTrue(told.get(0).contains(" INFO ") && told.get(0).contains("/own")
                    && told.get(0).contains("ThreadPoolExecutor@"), told.get(0));
            String plain = new String(java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(java.net.http.HttpRequest.newBuilder(
                    server.http("/plain")).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body());
            assertTrue(plain.startsWith("pool-"), "an exchange without an executor of its own runs on the handler's: " + plain);
            assertEquals(1, ours.get());
            SlowLoad.millisToAnswer(server.http("/io"), "io");
            assertEquals(1, logs.containing("UTSTREAM0015").size(), () -> "nothing to tell about /plain and /io: " + logs.messages());
        } finally {
            platform.shutdownNow();
            own.shutdownNow();
        }
    }

    /** A blocking route that writes until a write throws, which it hands to {@code writerEnded}. */
    private static HttpHandler endlessWriter(java.util.concurrent.CompletableFuture<Throwable> writerEnded) {
        return new BlockingHandler(exchange -> {
            byte[] chunk = new byte[16 * 1024];
            try (OutputStream out = exchange.getOutputStream()) {
                for (;;) {
                    out.write(chunk); // waits (parked) once the socket is full
                }
            } catch (IOException e) {
                writerEnded.complete(e);
                throw e;
            }
        });
    }

    @Test
    void directMemoryStaysFlatOverThousandsOfVirtualThreadExchangesWithAPoolThatCachesNothingPerThread() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later; skipped on "
                + Runtime.version().feature());
        // the fix the library's warning gives: a shared queue of buffers, no cache per thread
        long fixed = directGrowth(new io.undertow.server.DefaultByteBufferPool(true, 16 * 1024, 1024, 0));
        // Undertow.builder()'s own pool: 4 buffers cached per thread, none shared (-1)
        long builders = directGrowth(null);
        System.out.printf("direct memory growth over 5,000 virtual-thread exchanges: %d KiB with a shared queue and"
                + " no per-thread cache, %d KiB with Undertow.builder()'s pool%n", fixed >> 10, builders >> 10);
        assertTrue(fixed < 4L << 20, "direct memory grew by " + (fixed >> 10) + " KiB");
    }

    /** Direct memory after 5,000 exchanges on virtual threads, less before them (after 500 to warm). */
    private static long directGrowth(io.undertow.connector.ByteBufferPool pool) throws Exception {
        byte[] body = new byte[64 * 1024];
        HttpHandler route = new BlockingHandler(exchange -> exchange.getOutputStream().write(body));
        StreamingOptions options = StreamingOptions.builder().dispatch(StreamingOptions.virtualThreads()).build();
        try (TestServer server = TestServer.start(new AsyncStreamingHandler(route, options), b -> {
            if (pool != null) {
                b.setByteBufferPool(pool);
            }
        })) {
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            java.util.function.IntConsumer requests = n -> {
                java.util.List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<byte[]>>> batch =
                        new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    batch.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(server.http("/"))
                            .timeout(java.time.Duration.ofSeconds(30)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofByteArray()));
                    if (batch.size() == 32) {
                        batch.forEach(f -> assertEquals(body.length, f.join().body().length));
                        batch.clear();
                    }
                }
                batch.forEach(f -> assertEquals(body.length, f.join().body().length));
            };
            requests.accept(500); // warm: the pool's buffers made, classes loaded
            long before = directMemory();
            requests.accept(5000);
            return directMemory() - before;
        }
    }

    private static long directMemory() {
        return java.lang.management.ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class)
                .stream().filter(b -> b.getName().equals("direct")).mapToLong(java.lang.management.BufferPoolMXBean::getMemoryUsed)
                .sum();
    }
}
