package io.github.undertowstreaming.bench;

import java.util.ArrayList;
import java.util.List;

import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.DemoServer;

/**
 * The demo servers one part of the benchmark starts, each on a free port of 127.0.0.1 with its
 * own XNIO worker; closing this stops them all. Main thread only.
 */
final class Servers implements AutoCloseable {

    private static int serial;
    private final List<DemoServer> started = new ArrayList<>();

    /** A demo server with {@link Scale#WORKERS} workers, 2 IO threads and the given options. */
    DemoServer start(String name, int sendBuffer, StreamingOptions options) {
        return start(DemoServer.settings().ioThreads(2).sendBuffer(sendBuffer).options(options), name);
    }

    /** A demo server with {@code settings} and {@link Scale#WORKERS} workers. */
    DemoServer start(DemoServer.Settings settings, String name) {
        DemoServer s = DemoServer.start(settings.port(0).workerThreads(Scale.WORKERS)
                .name("bench-" + name + "-" + (++serial)));
        started.add(s);
        return s;
    }

    @Override
    public void close() {
        for (DemoServer s : started) {
            s.close();
        }
        started.clear();
    }
}
