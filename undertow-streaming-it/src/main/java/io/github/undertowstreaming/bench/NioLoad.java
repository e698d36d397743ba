package io.github.undertowstreaming.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Many HTTP/1.1 clients on one selector thread: each opens a connection to 127.0.0.1, sends one
 * {@code GET}, and reads a {@code Content-Length} body, either as fast as it comes or paced to a
 * byte rate. A paced client that is ahead of its rate stops reading (its socket then fills and
 * the server meets back-pressure) until it is due again. Each read's first byte is checked
 * against the pattern ({@code offset % 251}), so a lost or repeated chunk fails the client.
 *
 * <p>{@link #run} drives every client on the calling thread and returns when all are done or
 * the time cap is reached; then the connections still open are closed. Not thread-safe.
 */
final class NioLoad {

    /** A paced client may read this much ahead of its rate at once. */
    private static final int BURST = 16 * 1024;

    private final int port;
    private final String path;
    private final int clients;
    private final long bytesPerSecond;
    private final int receiveBuffer;
    private final boolean sendRequest;
    /** Counted down once per client: when connected (connect only) or when its response head came. */
    final CountDownLatch ready;
    private volatile boolean stopped;

    /**
     * @param bytesPerSecond the pace of each client; 0 reads as fast as the body comes
     * @param receiveBuffer  each client's {@code SO_RCVBUF} in bytes; 0 leaves the kernel's
     * @param sendRequest    false: connect only and hold the connection (for memory baselines)
     */
    NioLoad(int port, String path, int clients, long bytesPerSecond, int receiveBuffer, boolean sendRequest) {
        this.port = port;
        this.path = path;
        this.clients = clients;
        this.bytesPerSecond = bytesPerSecond;
        this.receiveBuffer = receiveBuffer;
        this.sendRequest = sendRequest;
        this.ready = new CountDownLatch(clients);
    }

    /** Makes {@link #run} return soon, as if its cap had passed. Safe from any thread. */
    void stop() {
        stopped = true;
    }

    /** What one run saw. Times are nanoseconds from the start of the run. */
    static final class Result {
        final int clients;
        final int finished;
        final int failed;
        final long bytes;
        /** When the last client finished, or -1 if not all did. */
        final long allFinishedNanos;
        final long elapsedNanos;
        final int effectiveReceiveBuffer;
        final String firstFailure;

        Result(int clients, int finished, int failed, long bytes, long allFinishedNanos, long elapsedNanos,
                int effectiveReceiveBuffer, String firstFailure) {
            this.clients = clients;
            this.finished = finished;
            this.failed = failed;
            this.bytes = bytes;
            this.allFinishedNanos = allFinishedNanos;
            this.elapsedNanos = elapsedNanos;
            this.effectiveReceiveBuffer = effectiveReceiveBuffer;
            this.firstFailure = firstFailure;
        }

        boolean allFinished() {
            return allFinishedNanos >= 0;
        }

        /** Seconds until every client finished; the cap, a lower bound, when not all did by {@code capNanos}. */
        double seconds(long capNanos) {
            return (allFinished() ? allFinishedNanos : capNanos) / 1e9;
        }

        /** {@link #seconds} as a table cell: a capped run's shows "≥". */
        Object secondsCell(long capNanos) {
            return allFinished() ? (Object) seconds(capNanos) : "≥ " + Report.cell(seconds(capNanos));
        }

        /** "all N", or "K of N by the C s cap", and the failures if any. */
        String finishedText(long capNanos) {
            String text = allFinished() ? "all " + clients
                    : finished + " of " + clients + " by the " + Report.cell(capNanos / 1e9) + " s cap";
            return failed == 0 ? text : text + " (" + failed + " failed: " + firstFailure + ")";
        }

        /** Body bytes per second over the whole run, in MB/s (10^6 bytes). */
        double megabytesPerSecond() {
            return bytes / 1e6 / (elapsedNanos / 1e9);
        }
    }

    /** One connection and where it is in its exchange. Selector thread only. */
    private final class Client {
        final SocketChannel channel;
        final ByteBuffer request;
        final ByteArrayOutputStream head = new ByteArrayOutputStream(256);
        long contentLength = -1;
        long received;
        long bodyStart;
        long due;
        boolean done;

        Client(SocketChannel channel, ByteBuffer request) {
            this.channel = channel;
            this.request = request;
        }
    }

    /** Runs every client on this thread until all are done or {@code capNanos} has passed. */
    Result run(long capNanos) throws IOException {
        long t0 = System.nanoTime();
        long deadline = t0 + capNanos;
        byte[] req = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        List<Client> all = new ArrayList<>(clients);
        PriorityQueue<Client> paused = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
        int finished = 0;
        int failed = 0;
        long bytes = 0;
        long lastFinish = -1;
        int effectiveRcv = -1;
        String firstFailure = null;
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < clients; i++) {
                SocketChannel ch = SocketChannel.open();
                ch.configureBlocking(false);
                if (receiveBuffer > 0) {
                    ch.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
                }
                effectiveRcv = ch.getOption(StandardSocketOptions.SO_RCVBUF);
                Client c = new Client(ch, ByteBuffer.wrap(req));
                all.add(c);
                ch.register(selector, SelectionKey.OP_CONNECT, c);
                ch.connect(new InetSocketAddress("127.0.0.1", port));
            }
            int open = clients;
            while (open > 0) {
                long now = System.nanoTime();
                if (now >= deadline || stopped) {
                    break;
                }
                long wait = Math.min(deadline - now, TimeUnit.MILLISECONDS.toNanos(50));
                if (!paused.isEmpty()) {
                    wait = Math.min(wait, paused.peek().due - now);
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)));
                for (SelectionKey key : selector.selectedKeys()) {
                    Client c = (Client) key.attachment();
                    try {
                        long before = c.received;
                        step(c, key, buffer, paused);
                        bytes += c.received - before;
                    } catch (IOException | RuntimeException e) {
                        failed++;
                        if (firstFailure == null) {
                            firstFailure = e.toString();
                        }
                        close(c, key);
                        open--;
                        continue;
                    }
                    if (c.done) {
                        finished++;
                        lastFinish = System.nanoTime() - t0;
                        close(c, key);
                        open--;
                    }
                }
                selector.selectedKeys().clear();
                now = System.nanoTime();
                while (!paused.isEmpty() && paused.peek().due <= now) {
                    Client c = paused.poll();
                    SelectionKey key = c.channel.keyFor(selector);
                    if (key != null && key.isValid()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
            }
            long elapsed = System.nanoTime() - t0;
            for (Client c : all) {
                c.channel.close();
            }
            boolean everyone = finished == clients;
            return new Result(clients, finished, failed, bytes, everyone ? lastFinish : -1, everyone ? lastFinish : elapsed,
                    effectiveRcv, firstFailure);
        }
    }

    private void step(Client c, SelectionKey key, ByteBuffer buffer, PriorityQueue<Client> paused) throws IOException {
        if (key.isConnectable()) {
            c.channel.finishConnect();
            key.interestOps(sendRequest ? SelectionKey.OP_WRITE : 0);
            if (!sendRequest) {
                ready.countDown();
            }
            return;
        }
        if (key.isWritable()) {
            c.channel.write(c.request);
            if (!c.request.hasRemaining()) {
                key.interestOps(SelectionKey.OP_READ);
            }
            return;
        }
        if (!key.isReadable()) {
            return;
        }
        for (;;) {
            long room = buffer.capacity();
            if (c.contentLength >= 0 && bytesPerSecond > 0) {
                long now = System.nanoTime();
                long allowed = bytesPerSecond * (now - c.bodyStart) / 1_000_000_000L + BURST - c.received;
                if (allowed <= 0) {
                    // ahead of the pace: stop reading until a burst is due again
                    c.due = c.bodyStart + c.received * 1_000_000_000L / bytesPerSecond;
                    key.interestOps(0);
                    paused.add(c);
                    return;
                }
                room = Math.min(room, allowed);
            }
            buffer.clear().limit((int) room);
            int n = c.channel.read(buffer);
            if (n < 0) {
                throw new IOException("the server closed the connection after " + c.received + " of "
                        + c.contentLength + " body bytes");
            }
            if (n == 0) {
                return;
            }
            buffer.flip();
            if (c.contentLength < 0) {
                readHead(c, buffer);
            }
            if (buffer.hasRemaining()) {
                int expected = (int) (c.received % 251);
                int actual = buffer.get(buffer.position()) & 0xff;
                if (actual != expected) {
                    throw new IOException(String.format(Locale.ROOT,
                            "body byte at offset %d was %d, expected %d", c.received, actual, expected));
                }
                c.received += buffer.remaining();
            }
            if (c.contentLength >= 0 && c.received >= c.contentLength) {
                if (c.received > c.contentLength) {
                    throw new IOException("got " + c.received + " body bytes, more than Content-Length " + c.contentLength);
                }
                c.done = true;
                return;
            }
        }
    }

    /** Takes the response head out of {@code buffer}, leaving any body bytes in it. */
    private void readHead(Client c, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            byte b = buffer.get();
            c.head.write(b);
            int n = c.head.size();
            byte[] h;
            if (b == '\n' && n >= 4 && (h = c.head.toByteArray())[n - 2] == '\r' && h[n - 3] == '\n') {
                String head = new String(h, StandardCharsets.US_ASCII);
                if (!head.startsWith("HTTP/1.1 200")) {
                    throw new IOException("status line was: " + head.lines().findFirst().orElse(""));
                }
                for (String line : head.split("\r\n")) {
                    if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                        c.contentLength = Long.parseLong(line.substring(15).trim());
                    }
                }
                if (c.contentLength < 0) {
                    throw new IOException("no Content-Length in: " + head.replace("\r\n", " | "));
                }
                c.bodyStart = System.nanoTime();
                ready.countDown();
                c.done = c.contentLength == 0;
                return;
            }
            if (n > 8192) {
                throw new IOException("response head longer than 8192 bytes");
            }
        }
    }

    private static void close(Client c, SelectionKey key) throws IOException {
        key.cancel();
        c.channel.close();
    }
}
