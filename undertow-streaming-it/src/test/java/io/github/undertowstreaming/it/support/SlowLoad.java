package io.github.undertowstreaming.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many {@link SlowReader}s at once against one server, and a request that needs a worker sent
 * while they are in flight. Closing it stops the clients.
 */
public final class SlowLoad implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final ExecutorService pool;
    private final List<Future<String>> downloads = new ArrayList<>();

    private SlowLoad(int clients) {
        this.pool = Executors.newFixedThreadPool(clients);
    }

    /**
     * Sends one request to {@code ping} first, then starts {@code clients} slow readers of
     * {@code path} at {@code bytesPerSecond} each, and returns once every one has its first 64 KiB.
     *
     * <p>The first request warms the client: the first request of a JVM loads and interprets
     * the JDK HttpClient, which under this load on 2 cores took from 1 to 3.6 s here, with every
     * server thread idle; that is not what the timings after it are about.
     */
    public static SlowLoad start(int port, String path, int clients, long bytesPerSecond, URI ping, String pong)
            throws Exception {
        millisToAnswer(ping, pong);
        SlowLoad load = new SlowLoad(clients);
        CountDownLatch started = new CountDownLatch(clients);
        for (int i = 0; i < clients; i++) {
            load.downloads.add(load.pool.submit(new SlowReader(port, path, bytesPerSecond, started)));
        }
        if (!started.await(60, TimeUnit.SECONDS)) {
            load.close();
            throw new AssertionError("not every client got its first 64 KiB within 60 s");
        }
        return load;
    }

    /** Sends {@code GET uri} and returns how long the answer took, in milliseconds. */
    public static long millisToAnswer(URI uri, String expectedBody) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(expectedBody, r.body());
        return millis;
    }

    /**
     * Asserts, {@code times} times in a row, that {@code uri} answers {@code expectedBody} while the
     * downloads are in flight: every answer comes before all of them have finished. Runs
     * {@code check} after each. Returns the longest answer's time, in milliseconds, for the test to
     * print: how fast is the benchmark's question, not a test's (a shared 2-core machine spreads
     * such times by seconds).
     */
    public long assertAnswersWhileInFlight(URI uri, String expectedBody, int times, Runnable check) throws Exception {
        long longest = 0;
        for (int i = 0; i < times; i++) {
            long millis = millisToAnswer(uri, expectedBody);
            long done = downloads.stream().filter(Future::isDone).count();
            assertTrue(done < downloads.size(), uri.getPath() + " answered after " + millis
                    + " ms, when every slow download had finished");
            longest = Math.max(longest, millis);
            check.run();
        }
        return longest;
    }

    /** Waits for every download and asserts each body's SHA-256. */
    public void assertAllFinishWith(String digest) throws Exception {
        for (Future<String> d : downloads) {
            assertEquals(digest, d.get(60, TimeUnit.SECONDS));
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
