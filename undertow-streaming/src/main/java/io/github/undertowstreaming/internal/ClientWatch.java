package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.time.Duration;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.xnio.channels.ReadTimeoutException;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.StreamSourceConduit;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.Protocols;

/**
 * The stream's timer: the read and write timeouts, and the client's going away while a body
 * read blocks. Notices that the client went away while a body read blocks, when nothing is being written and
 * so no write can fail: every {@link #PERIOD_MS} ms (or a quarter of the shorter timeout), on
 * the exchange's IO thread, while the stream lives. If a read is under way and the client is gone, the pump fails with
 * {@link Pump.Failure#CLIENT}, which interrupts the read and cancels the body at once.
 *
 * <p>How "gone" is seen, per protocol:
 * <ul>
 *   <li>HTTP/1.x without TLS: Undertow does not read a connection while an exchange runs, so a
 *       client that closed or reset it is not noticed. Once the request is complete, the watch
 *       reads the connection without blocking: -1 or an error means gone. Bytes mean the client pipelined
 *       its next request: they are handed back to the connection
 *       ({@code HttpServerConnection.ungetRequestBytes}), where Undertow reads its next request
 *       from after this exchange, and the watch reads no more. The read leaves the listener's
 *       read timeout as it found it (see {@code gone}).</li>
 *   <li>HTTP/2: the connection closed, or the stream's channel was closed by the client's
 *       RST_STREAM. Before the first chunk the stream's channel is not taken yet (taking it would
 *       start the response and rule out a 500), so a reset during the first read is noticed when
 *       that read returns and its chunk is written.</li>
 * </ul>
 * Ticks run on the IO thread, from the timer its streams share ({@link Ticks}); {@link #stop}
 * may come from any thread.
 */
final class ClientWatch implements Ticks.Tick {

    /** How often a blocked read is checked on; a disconnect is noticed within this much. */
    static final long PERIOD_MS = 500;
    /**
     * How long the writer waits for its client before the stream is called stalled and its
     * unsent bytes are moved out of the pool's buffers ({@link Pump#compact}): long against one
     * wait for a client that reads (milliseconds), short against a client that stopped.
     */
    static final long STALLED = TimeUnit.MILLISECONDS.toNanos(500);

    private final HttpServerExchange exchange;
    private final Pump pump;
    /** The stream's response channel once taken, else null. */
    private final Supplier<StreamSinkChannel> channel;
    private final long readTimeout;
    private final long writeTimeout;
    private final long period;
    private final Object body;
    /** {@code min-rate}, or null for none; ticks only. */
    private final ClientRate rate;
    private final long minRate;
    private volatile boolean stopped;
    /** The client pipelined bytes: no more reads of the connection here. */
    private boolean pipelined;

    /**
     * @param readTimeout  the longest one body read may take; zero for no limit
     * @param writeTimeout the longest the writer may wait for a full socket; zero for no limit
     * @param minRate      the fewest bytes per second the client must take, counted from the end of
     *                     {@code grace} of waiting for it; zero for no minimum
     */
    ClientWatch(HttpServerExchange exchange, Pump pump, Supplier<StreamSinkChannel> channel,
            Duration readTimeout, Duration writeTimeout, long minRate, Duration grace, Object body) {
        this.exchange = exchange;
        this.pump = pump;
        this.channel = channel;
        this.readTimeout = readTimeout.toNanos();
        this.writeTimeout = writeTimeout.toNanos();
        this.body = body;
        this.minRate = minRate;
        this.rate = minRate > 0 ? new ClientRate(minRate, grace) : null;
        long p = TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
        for (long t : new long[] {this.readTimeout, this.writeTimeout, rate == null ? 0 : rate.window()}) {
            if (t > 0) {
                p = Math.min(p, Math.max(TimeUnit.MILLISECONDS.toNanos(1), t / 4));
            }
        }
        this.period = p;
    }

    /** Starts watching; any thread. */
    void start() {
        exchange.getIoThread().execute(() -> {
            if (!stopped && !pump.isFinished()) {
                Ticks.add(exchange.getIoThread(), period, this);
            }
        });
    }

    /** Stops watching; any thread (the exchange's completion): the next tick drops it. */
    void stop() {
        stopped = true;
    }

    @Override
    public void abandoned(Throwable cause) {
        stopped = true;
        if (cause != null) {
            Log.ROOT.watchFailed(cause, ExchangeSink.describe(exchange));
        }
    }

    /** A tick, on the IO thread: false once the watch is done. */
    @Override
    public boolean tick() {
        if (stopped || pump.isFinished()) {
            return false;
        }
        long now = System.nanoTime();
        long reading = pump.readingSince();
        if (reading != -1 && readTimeout > 0 && now - reading > readTimeout) {
            pump.fail(Pump.Failure.TIMEOUT, Messages.MESSAGES.readTimedOut(body, TimeUnit.NANOSECONDS.toMillis(readTimeout)));
            return false;
        }
        long waiting = pump.waitingSince();
        if (waiting != -1 && writeTimeout > 0 && now - waiting > writeTimeout) {
            pump.fail(Pump.Failure.TIMEOUT, Messages.MESSAGES.writeTimedOut(TimeUnit.NANOSECONDS.toMillis(writeTimeout)));
            return false;
        }
        if (rate != null) {
            long r = rate.tooSlow(pump.waitedForClient(now), pump.sent());
            if (r >= 0) {
                pump.fail(Pump.Failure.TOO_SLOW, Messages.MESSAGES.tooSlow(r,
                        TimeUnit.NANOSECONDS.toMillis(rate.window()), minRate));
                return false;
            }
        }
        if (waiting != -1) {
            if (now - waiting >= STALLED) {
                pump.compact(waiting);
            }
            pump.retryFinalFlush();
        }
        if (reading != -1 && pump.whileReading(this::gone)) {
            pump.fail(Pump.Failure.CLIENT, new ClosedChannelException());
            return false;
        }
        return true;
    }

    /** Whether the client is gone. Called while a read is under way and no write can start. */
    private boolean gone() {
        ServerConnection connection = exchange.getConnection();
        if (!connection.isOpen()) {
            return true;
        }
        if (Protocols.HTTP_2_0.equals(exchange.getProtocol())) {
            StreamSinkChannel c = channel.get();
            return c != null && !c.isOpen();
        }
        if (pipelined || !exchange.isRequestComplete() || !(connection instanceof HttpServerConnection)) {
            return false;
        }
        if (connection.getSslSessionInfo() != null) {
            // TLS: reading the SSL conduit from the IO thread while a worker writes through it
            // shares the engine's state between the two; a TLS client's leaving is seen at the
            // next write instead (or by the read timeout)
            return false;
        }
        HttpServerConnection http = (HttpServerConnection) connection;
        if (http.getExtraBytes() != null) {
            return false; // the client pipelined already: bytes read now would go before those
        }
        StreamSourceConduit source = http.getOriginalSourceConduit();
        if (source.isReadResumed()) {
            // Someone reads the connection already: its listener hears of a close itself, a read
            // here would take its bytes, and its read timeout is armed and its own to keep.
            return false;
        }
        PooledByteBuffer pooled = connection.getByteBufferPool().allocate();
        try {
            int n = source.read(pooled.getBuffer());
            if (n < 0) {
                return true;
            }
            if (n > 0) {
                pooled.getBuffer().flip();
                http.ungetRequestBytes(pooled);
                pooled = null;
                pipelined = true;
            }
            return false;
        } catch (ReadTimeoutException e) {
            // XNIO's NioSocketConduit.read -> checkReadTimeout throws this when a read finds nothing
            // and the connection's last bytes came in longer than the listener's READ_TIMEOUT ago:
            // with a read timeout, every probe of a stream that outlives it. Nothing was read and the
            // client is still there, unless Undertow's ReadTimeoutStreamSourceConduit closed the
            // connection with it (then it is gone).
            return !connection.isOpen();
        } catch (IOException e) {
            return true;
        } finally {
            // Leave Undertow's timeouts as they were. With a listener READ_TIMEOUT (WildFly: 90 s)
            // the chain has a ReadTimeoutStreamSourceConduit, whose read -> handleReadTimeout(ret)
            // sets expireTime and schedules its timeoutCommand on this IO thread; nothing else would
            // disarm it, and once body reads are fast again no probe bumps it, so it closed the
            // connection mid-body a READ_TIMEOUT later. Its suspendReads -> cleanup() removes that
            // timer and sets expireTime back to -1, which is the state it was in: reads were suspended
            // before this probe (checked above; HttpReadListener.handleEventWithNoRunningRequest
            // suspends the original conduit's reads, and so calls cleanup, once the request is
            // parsed), so the only timer to remove is the one this read armed. For the interest it is
            // a no-op: NioSocketConduit.suspendReads -> NioHandle.suspend clears OP_READ only if set.
            // Undertow's IdleTimeoutConduit sits in this chain when IDLE_TIMEOUT is set, but stays
            // inert on HTTP/1.x: HttpOpenListener never calls its setIdleTimeout (only
            // AbstractFramedChannel does, for HTTP/2), and with an idle timeout of 0 its read,
            // suspendReads and timer do nothing.
            source.suspendReads();
            if (pooled != null) {
                pooled.close();
            }
        }
    }
}
