package io.github.undertowstreaming.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.StreamingOptions;
import io.undertow.connector.PooledByteBuffer;

/**
 * Moves one {@link StreamingBody} to one {@link Sink}: reads chunks on the executor, writes them
 * without blocking, and while the sink is full holds no thread at all.
 *
 * <h2>Roles</h2>
 * Two roles, each held by at most one thread at a time:
 * <ul>
 *   <li>The <b>reader</b> ({@link #run}, always on the executor) opens, reads and closes the
 *       body. It fills free buffers of a small ring, at most {@code 1 + readAhead} of them, and
 *       stops when the ring is full. After {@code readBudget} bytes in one turn it re-submits
 *       itself to the executor, so that a fast stream shares its thread with other work.</li>
 *   <li>The <b>writer</b> writes filled chunks in order, each with one gathering write, and
 *       flushes when no next chunk is at hand. Whichever thread filled a chunk while no one was
 *       writing becomes the writer (usually the reader itself, so a fast client costs no thread
 *       hop per chunk), unless the sink takes writes on its IO thread only (HTTP/2), where the
 *       role is handed there. When the sink takes 0 bytes the writer arms the sink's write
 *       listener and lets go of its thread ({@link Writer#ARMED}); the listener resumes it on
 *       the IO thread ({@link #onWritable}). When the writer frees a chunk and the reader has
 *       stopped on a full ring, the writer hands a new read to the executor, through the
 *       {@link ReadGate} when the executor is the connection's worker.</li>
 * </ul>
 * A failure from elsewhere while a read is under way interrupts the reading thread and cancels
 * the body ({@link StreamingBody#cancel}) on a thread of the library's own; the stream's timer
 * ({@link ClientWatch}) is one such source, with the read and write timeouts.
 * The roles and the {@link State} change only under the pump's monitor; user code (the body)
 * and the sink are called outside it. Nothing calls back into the pump on the same stack: the
 * loops iterate, so the stack stays flat however many chunks a body has.
 *
 * <h2>Memory</h2>
 * At most {@code 1 + readAhead} chunks per stream, each of one or more pooled buffers, taken
 * from the sink's pool on first use and returned once the stream has ended and neither role is
 * under way. No allocation per chunk. Two exceptions give them back early: a stream whose client
 * has stalled keeps only the buffers that hold unsent bytes ({@link #compact}), and a file sent
 * from the file keeps none ({@link #transfer}).
 *
 * <h2>Endings</h2>
 * The body is closed exactly once, by the reader role, never on an IO thread: after the last
 * write at the end of the body, after a failed read, or, when a failure comes from elsewhere, by
 * a last reader turn scheduled to close it (on the library's own thread if the executor refuses
 * it on an IO thread).
 * The sink hears of a failure exactly once ({@link Sink#fail}), never while a write is under way.
 */
public final class Pump implements Runnable {

    /** The lifecycle of a stream. NEW -> STREAMING -> DONE, and any state but DONE -> FAILED. */
    enum State {
        /** Nothing read yet; the response has not started. */
        NEW,
        /** The first chunk was read and the response began; up to and with the final flush. */
        STREAMING,
        /** Every byte was written, the final flush completed, and the response ended. */
        DONE,
        /** The body, the client or the executor failed; nothing more is read or written. */
        FAILED
    }

    /** What the writer role is doing. */
    enum Writer {
        /** No thread writes and no listener is armed. */
        IDLE,
        /** A thread is writing. */
        ACTIVE,
        /** The sink was full: its write listener is armed and no thread is held. */
        ARMED
    }

    /** What failed. */
    public enum Failure {
        /** The body threw, broke its contract, or did not match its length. */
        BODY,
        /** The client went away: a write failed on a closed connection or stream, or the exchange ended. */
        CLIENT,
        /** A write failed on this side while the client was still there (a conduit's fault). */
        WRITE,
        /** The executor refused a task. */
        REJECTED,
        /** A read took longer than the read timeout, or the client took no bytes for the write timeout. */
        TIMEOUT,
        /** The handler had {@code max-streams} streams in flight already; nothing was read. */
        LIMITED,
        /** The client took fewer bytes than {@code min-rate} over the time it was waited on. */
        TOO_SLOW,
        /** The server is suspended (a {@link StreamAdmission} refused the stream); nothing was read. */
        SUSPENDED
    }

    private final StreamingBody body;
    private final Sink sink;
    private final Executor executor;
    /** Bounds the turns running at once on the executor; null for an executor of the user's own. */
    private final ReadGate gate;
    /** The handler's counters (which pass every count on to {@link Statistics#GLOBAL}), or GLOBAL itself. */
    private final Statistics stats;
    private final int maxStreams;
    private final int chunkSize;
    private final long readBudget;
    /** Pooled buffers per chunk: a chunk larger than one pooled buffer spans several. */
    private final int parts;
    /** The ring: slot s is buffers[s * parts] to buffers[s * parts + parts - 1], taken on first use. */
    private final ByteBuffer[] buffers;
    /** The pooled buffer behind each entry of {@link #buffers}. */
    private final PooledByteBuffer[] pooled;
    /** How many buffers of each slot hold data. */
    private final int[] filled;
    /** The writer role as a task, for a sink that takes writes on its IO thread only. */
    private final Runnable writerTask = this::write;
    /** The body if it is a file: after its first chunk the rest may go as one region, sent from the file. */
    private final Bodies.FileBody file;

    // Guarded by this.
    private State state = State.NEW;
    private boolean reading;
    private Writer writer = Writer.IDLE;
    /** The oldest filled slot, and how many are filled. The reader fills slot (head + count). */
    private int head;
    private int count;
    private boolean eof;
    private Failure failure;
    private Throwable cause;
    private boolean reported;
    private boolean released;
    /**
     * The stream's record in the statistics, from its admission by {@link #start} (it counts as
     * started) to its end; null before, and for a stream never admitted, which is never counted.
     * Its waits for the client are marked in it. Under the monitor.
     */
    private Statistics.Wait record;
    /** The thread inside {@code body.read} right now, or null; interrupted if the stream fails meanwhile. */
    private Thread readerThread;
    /** When the writer was last armed on a full socket ({@code System.nanoTime()}). */
    private long armedAt;
    /** How long the writer has waited for the client in all, the wait under way not included. */
    private long waited;
    /** Every chunk is written and the final flush is under way: the sink may see the response end. */
    private boolean finishing;
    /**
     * A file region is queued or being sent: the body stays open after the reader's last turn, and
     * the writer closes it once the region is sent (a failure's last reader turn closes it otherwise).
     */
    private boolean transferring;
    private boolean bodyClosed;

    // Reader role only.
    private long length = -1;
    private long read;
    /** The body ended: the last read returned -1. */
    private boolean ended;
    /** One byte of room to confirm the end of a body whose promised last byte filled its chunk. */
    private ByteBuffer probe;

    /**
     * Bytes of pooled buffers this stream holds: what a client that stalls keeps in memory. Changed
     * by the reader (outside the monitor), the writer and {@link #compact}.
     */
    private final java.util.concurrent.atomic.AtomicLong allocated = new java.util.concurrent.atomic.AtomicLong();

    // Writer role only; read when reporting a failure.
    private volatile long sent;
    /** The sink's writes are shut down: the final flush is under way. */
    private boolean shutdown;
    /**
     * When the call into the body under way began ({@code System.nanoTime()}), or -1 between
     * calls: set by the reader right before each call and cleared right after it
     * ({@link #bodyRead}), so that the watch never times a read from the start of an earlier one.
     */
    private volatile long readStarted = -1;

    /**
     * @param chunkSize  the most bytes read into one chunk; 0 for the default number of buffers
     * @param readAhead  chunks read while the previous one waits for the sink
     * @param readBudget bytes read on one executor turn before the reader yields its thread
     */
    Pump(StreamingBody body, Sink sink, Executor executor, int chunkSize, int readAhead, long readBudget) {
        this(body, sink, executor, null, chunkSize, readAhead, readBudget, Statistics.GLOBAL, 0);
    }

    /**
     * @param stats      the handler's counters, or {@link Statistics#GLOBAL}
     * @param maxStreams the most streams {@code stats} may have in flight; 0 for no limit
     */
    Pump(StreamingBody body, Sink sink, Executor executor, ReadGate gate, int chunkSize, int readAhead, long readBudget,
            Statistics stats, int maxStreams) {
        this.body = body;
        this.sink = sink;
        this.executor = executor;
        this.gate = gate;
        this.stats = stats;
        this.maxStreams = maxStreams;
        this.chunkSize = chunkSize == 0 ? StreamingOptions.DEFAULT_CHUNK_BUFFERS * sink.bufferSize() : chunkSize;
        this.readBudget = readBudget;
        this.parts = (this.chunkSize + sink.bufferSize() - 1) / sink.bufferSize();
        this.buffers = new ByteBuffer[(1 + readAhead) * parts];
        this.pooled = new PooledByteBuffer[(1 + readAhead) * parts];
        this.filled = new int[1 + readAhead];
        this.file = body instanceof Bodies.FileBody ? (Bodies.FileBody) body : null;
    }

    /**
     * Starts the stream: admits it under {@code max-streams} and hands the first read to the
     * executor. Called once, on the thread that sent the body, after the handler call that sent
     * it has returned. A stream over the limit fails as {@link Failure#LIMITED} before anything
     * is read, and its body is closed unread on the executor.
     */
    void start() {
        synchronized (this) {
            if (state == State.FAILED) {
                return; // the connection closed before the handler call returned
            }
            if (state != State.NEW || reading) {
                throw Messages.MESSAGES.illegalTransition(state, "start");
            }
        }
        Statistics.Wait admitted = stats.admit(maxStreams);
        if (admitted == null) {
            stats.countLimited();
            fail(Failure.LIMITED, Messages.MESSAGES.tooManyStreams(maxStreams));
            return;
        }
        synchronized (this) {
            record = admitted;
            if (state == State.FAILED) {
                stats.ended(record, failure); // failed between the two blocks; the failure scheduled the closing
                return;
            }
            reading = true;
        }
        schedule();
    }

    /** The reader role, one turn. Runs on the executor only. */
    @Override
    public void run() {
        try {
            turn();
        } finally {
            if (gate != null) {
                gate.done();
            }
        }
    }

    private void turn() {
        long turn = 0;
        for (;;) {
            int slot;
            boolean first;
            synchronized (this) {
                if (state == State.FAILED || state == State.DONE || eof) {
                    break;
                }
                if (count == filled.length) {
                    reading = false; // the writer restarts the reader when it frees a slot
                    return;
                }
                if (turn >= readBudget) {
                    slot = -1;
                    first = false;
                } else {
                    slot = (head + count) % filled.length;
                    first = state == State.NEW;
                }
            }
            if (slot < 0) {
                schedule(); // to the back of the executor's queue; the role goes with the task
                return;
            }
            int n;
            try {
                if (first && !sink.bodyAllowed()) {
                    if (noBody(slot)) {
                        return;
                    }
                    continue; // failed from elsewhere: the loop ends the reader role
                }
                n = !first && file != null && sink.plainSocket() ? region(slot) : read(slot, first);
                if (first && !begin(n < 0 ? 0 : length)) {
                    continue; // failed meanwhile, and reported: the loop ends the reader role
                }
            } catch (Throwable t) {
                fail(Failure.BODY, t);
                continue; // the loop sees FAILED and closes the body
            }
            boolean write;
            synchronized (this) {
                if (state == State.FAILED) {
                    continue;
                }
                if (first) {
                    state = State.STREAMING;
                }
                if (n > 0) {
                    count++;
                    turn += n;
                }
                if (ended) {
                    eof = true; // the reader role stays here until the body is closed below
                    transferring = filled[slot] == 0 && n > 0;
                }
                write = writer == Writer.IDLE;
                if (write) {
                    writer = Writer.ACTIVE;
                }
            }
            if (write) {
                if (sink.writesOnIoThreadOnly()) {
                    if (!sink.onIoThread(writerTask)) { // the role goes with the task
                        // the IO thread is gone (the server stops): the client is, with it
                        fail(Failure.CLIENT, new java.nio.channels.ClosedChannelException());
                        exitWriter();
                    }
                } else {
                    write();
                }
            }
            if (ended) {
                break; // closed after the last write, so that a slow close() delays no byte
            }
        }
        exitReader();
    }

    /**
     * {@link #readChunk}, with {@link #readerThread} set meanwhile so that a failure from elsewhere
     * can interrupt a read that blocks; a stray interrupt never outlives the read.
     */
    private int read(int slot, boolean first) throws IOException {
        long start = System.nanoTime();
        synchronized (this) {
            readerThread = Thread.currentThread();
        }
        try {
            return readChunk(slot, first);
        } finally {
            synchronized (this) {
                readerThread = null;
            }
            Thread.interrupted();
            long nanos = System.nanoTime() - start;
            stats.read(nanos);
        }
    }

    /**
     * Queues the rest of a file body as one chunk that holds no buffer ({@code filled[slot] == 0}):
     * the writer sends it from the file ({@link #transfer}). Only after the first chunk, which went
     * through the buffers and took the response's headers out with it: HttpResponseConduit reads a
     * file into a pooled buffer of its own, from the channel's own position, while its headers are
     * still pending. Returns the bytes queued, capped for the reader's budget (the region is the last chunk).
     */
    private int region(int slot) {
        filled[slot] = 0;
        long left = file.remaining();
        read += left;
        ended = true;
        return (int) Math.min(left, Integer.MAX_VALUE);
    }

    /**
     * Reads one chunk into the buffers of {@code slot}: one read per pooled buffer, on to the
     * next only while reads fill their buffer, so a slow source is written as soon as it gave
     * something. Checks that the body keeps its contract and its promised length; when the
     * promised last byte is read, reads once more to confirm the end, so that a longer body
     * fails while the client can still see the response incomplete. Returns the bytes read, or -1.
     */
    private int readChunk(int slot, boolean first) throws IOException {
        int base = slot * parts;
        int room = chunkSize;
        int total = 0;
        int used = 0;
        while (used < parts && room > 0) {
            ByteBuffer b = buffer(base + used);
            b.clear();
            if (b.capacity() > room) {
                b.limit(room);
            }
            int n = bodyRead(b);
            if (first && used == 0) {
                length = promisedLength();
            }
            if (n == 0) {
                throw Messages.MESSAGES.readReturnedZero(body, b.remaining());
            }
            if (n < 0) {
                if (length >= 0 && read < length) {
                    throw Messages.MESSAGES.shorterThanLength(body, read, length);
                }
                ended = true;
                if (total == 0) {
                    return -1;
                }
                break; // this chunk is the last
            }
            read += n;
            if (length >= 0 && read > length) {
                throw Messages.MESSAGES.longerThanLength(body, read, length);
            }
            total += n;
            room -= n;
            boolean full = !b.hasRemaining();
            if (read == length) {
                confirmEnd(b);
                full = false;
            }
            b.flip();
            used++;
            if (!full) {
                break;
            }
        }
        filled[slot] = used;
        return total;
    }

    /**
     * One call of {@code body.read}, timed for the read timeout. The reader publishes its thread
     * ({@link #read}) before it takes buffers from the pool and asks for the promised length; a
     * stamp taken only at the publication would have the watch count that as read time, and a
     * stamp left from the call before (the previous part of a chunk, or the read before the
     * reader waited for room in the ring) had it fail a read that had just begun. So the stamp
     * covers exactly the call: the watch sees either the start of the call under way or -1.
     */
    private int bodyRead(ByteBuffer dst) throws IOException {
        readStarted = System.nanoTime();
        try {
            return body.read(dst);
        } finally {
            readStarted = -1;
        }
    }

    /** The promised last byte was read: the next read must return -1, before that byte is sent. */
    private void confirmEnd(ByteBuffer b) throws IOException {
        ByteBuffer room = b;
        if (!b.hasRemaining()) {
            if (probe == null) {
                probe = ByteBuffer.allocate(1);
            }
            room = probe.clear();
        }
        int position = room.position();
        int n = bodyRead(room);
        room.position(position);
        if (n > 0) {
            throw Messages.MESSAGES.longerThanLength(body, read + n, length);
        }
        if (n == 0) {
            throw Messages.MESSAGES.readReturnedZero(body, room.remaining());
        }
        ended = true;
    }

    /**
     * The length the response promises: the body's own, or else the {@code Content-Length} the
     * handler set. Both known and different: the body fails before anything is sent.
     */
    private long promisedLength() throws IOException {
        long own = body.length();
        long declared = sink.declaredLength();
        if (own >= 0 && declared >= 0 && own != declared) {
            throw Messages.MESSAGES.lengthMismatch(body, own, declared);
        }
        return own >= 0 ? own : declared;
    }

    /**
     * A response without a body: HEAD, or a status that has none (1xx, 204, 304). Nothing is
     * sent. For HEAD the headers say what GET would: the promised length if there is one, else
     * the first chunk is read as GET would read it, so that a body that learns its length when
     * it opens its source advertises the same length on HEAD as on GET. Any other status reads
     * nothing. The body is then closed, and the writer role ends the response.
     */
    private boolean noBody(int slot) throws IOException {
        long promised = -1;
        if (sink.headRequest()) {
            promised = promisedLength();
            if (promised < 0) {
                int n = read(slot, true);
                promised = n < 0 ? 0 : length;
            }
        }
        if (!begin(promised)) {
            return false;
        }
        closeBody();
        synchronized (this) {
            if (state != State.NEW) {
                // failed from elsewhere meanwhile, and reported there; this reader ends the role
                return false;
            }
            state = State.STREAMING;
            eof = true;
            reading = false;
            if (writer != Writer.IDLE) {
                return true;
            }
            writer = Writer.ACTIVE;
        }
        write(); // nothing filled and eof set: ends the response and releases the buffers
        return true;
    }

    /** The writer role. The caller has set {@code writer = ACTIVE}. */
    private void write() {
        for (;;) {
            ByteBuffer last;
            int base;
            int used;
            boolean flush;
            boolean releaseRing = false;
            synchronized (this) {
                if (state == State.FAILED) {
                    break;
                }
                if (count == 0) {
                    if (!eof) {
                        writer = Writer.IDLE;
                        return; // the reader is reading and will write what it reads
                    }
                    // eof: the reader touches no buffer any more, and every chunk is written
                    finishing = true;
                    releaseRing = !released;
                    released = true;
                }
                base = head * parts;
                used = count == 0 ? 0 : filled[head];
                if (count > 0 && used == 0) {
                    base = -1; // the file region: sent from the file below
                }
                last = count == 0 || used == 0 ? null : buffers[base + used - 1];
                // the last chunk at hand of a body that goes on: flush it (a chunk the reader adds
                // meanwhile costs one flush too many, never one too few)
                flush = count == 1 && !eof;
            }
            if (base < 0) {
                int r = transfer();
                if (r < 0) {
                    return; // armed, handed to the executor, or failed and reported
                }
                synchronized (this) {
                    if (state == State.FAILED) {
                        break;
                    }
                    head = (head + 1) % filled.length;
                    count--;
                }
                continue;
            }
            if (last == null) {
                if (releaseRing) {
                    release(); // what is left to send is the sink's, not the ring's
                }
                if (!finish()) {
                    return; // armed on a full sink, or failed (reported by finish)
                }
                try {
                    sink.complete();
                } catch (Throwable t) {
                    Log.ROOT.endFailed(t, sink);
                }
                return;
            }
            boolean written;
            try {
                boolean shortIsFull = sink.plainSocket();
                while (last.hasRemaining()) {
                    long offered = shortIsFull ? remaining(base, used) : 0;
                    long w = sink.write(buffers, base, used);
                    if (w == 0) {
                        break;
                    }
                    sent += w;
                    stats.sent(w);
                    if (w < offered) {
                        break; // the socket is full: arm now, without a write that would return 0
                    }
                }
                // A channel may hold what it took (HTTP/2 sends a DATA frame when its buffer is
                // full or flushed): with no next chunk at hand, the reader may block for long,
                // so what was written must go out now.
                written = !last.hasRemaining() && (!flush || sink.flush());
            } catch (Throwable t) {
                fail(sink.classify(t), t); // reported below
                break;
            }
            if (!written) {
                synchronized (this) {
                    if (state == State.FAILED) {
                        break;
                    }
                    arm();
                }
                sink.notifyWhenWritable(); // onWritable writes on, or flushes again
                return;
            }
            boolean startReader = false;
            synchronized (this) {
                if (state == State.FAILED) {
                    break; // failed from elsewhere while writing; handled after the loop
                }
                head = (head + 1) % filled.length;
                count--;
                if (!reading && !eof && state == State.STREAMING) {
                    reading = true;
                    startReader = true;
                }
            }
            if (startReader) {
                schedule();
            }
        }
        exitWriter();
    }

    /** The bytes left in buffers {@code base} to {@code base + used - 1}. */
    private long remaining(int base, int used) {
        long r = 0;
        for (int i = base; i < base + used; i++) {
            r += buffers[i].remaining();
        }
        return r;
    }

    /**
     * Sends the file region, in the writer role: from the file to the socket while the socket
     * takes bytes, on the executor only (a transfer may wait for the disk; Undertow's own
     * AsyncSenderImpl dispatches its file transfers off the IO thread too), so a writer resumed on
     * the IO thread hands the role to the executor first. The ring's buffers go back to the pool
     * before the first transfer: nothing buffered is left, and a client that stalls now holds none.
     * Returns 0 once the region is sent (the body then closed), -1 if the writer role went elsewhere:
     * armed on a full socket, handed to the executor, or ended by a failure (reported).
     */
    private int transfer() {
        if (Closer.onIoThread()) {
            try {
                executor.execute(writerTask); // the role goes with the task
            } catch (RejectedExecutionException e) {
                fail(Failure.REJECTED, e);
                exitWriter();
            }
            return -1;
        }
        boolean release;
        synchronized (this) {
            release = !released;
            released = true;
        }
        if (release) {
            release();
            allocated.set(0);
        }
        try {
            while (file.remaining() > 0) {
                long w = sink.transferFrom(file.channel(), file.position(), file.remaining());
                if (w > 0) {
                    file.advance(w);
                    sent += w;
                    stats.sent(w);
                } else if (file.shrank()) {
                    fail(Failure.BODY, Messages.MESSAGES.shorterThanLength(body, sent, read));
                    exitWriter();
                    return -1;
                } else {
                    synchronized (this) {
                        if (state == State.FAILED) {
                            break;
                        }
                        arm();
                    }
                    sink.notifyWhenWritable(); // onWritable hands the role back to the executor
                    return -1;
                }
            }
        } catch (Throwable t) {
            fail(sink.classify(t), t);
        }
        boolean failed;
        synchronized (this) {
            failed = state == State.FAILED;
            if (!failed) {
                transferring = false; // sent: the body is the writer's to close, below
            }
        }
        if (failed) {
            exitWriter();
            return -1;
        }
        closeBody(); // the last byte of the file is out: the body's turn is over, on the executor
        return 0;
    }

    /**
     * The final flush, in the writer role: shuts the sink's writes down once, then flushes. Until
     * the flush is done the stream is not: a full sink arms the writer as any write does, so that
     * the write timeout covers the end of the response (an HTTP/2 stream's last DATA frame waits
     * for the client's window, the last chunk of a chunked body for room in the socket), and only
     * a completed flush counts the stream as finished. Returns true once it is done (the state is
     * then DONE, counted here or by {@link #responseEnded}, and the writer role ended); false if
     * the writer is armed, or if the stream failed (then the writer role is ended and the failure
     * reported here).
     */
    private boolean finish() {
        boolean flushed;
        try {
            if (!shutdown) {
                shutdown = true;
                sink.shutdownWrites();
            }
            flushed = sink.flush();
        } catch (Throwable t) {
            fail(sink.classify(t), t);
            exitWriter();
            return false;
        }
        boolean armed;
        synchronized (this) {
            if (state == State.DONE) {
                // the sink saw the response end within the flush (responseEnded): the exchange is
                // complete, and sink.complete() ends it all the same (closing a blocking exchange)
                writer = Writer.IDLE;
                return true;
            }
            if (state == State.FAILED) {
                armed = false; // failed from elsewhere meanwhile: reported as the role ends
            } else if (flushed) {
                state = State.DONE;
                writer = Writer.IDLE;
                stats.ended(record, null);
                return true;
            } else {
                arm();
                armed = true;
            }
        }
        if (armed) {
            sink.notifyWhenWritable(); // onWritable flushes again
        } else {
            exitWriter();
        }
        return false;
    }

    /**
     * The sink saw the response end whole while the final flush was under way: Undertow ends the
     * exchange from within the flush that sends the last bytes (see {@link ExchangeSink}), before
     * that flush returns to the pump. The stream is then done and counted finished, once. False if
     * the stream is not in its final flush, or failed: then the end of the exchange is a failure.
     * Called on the thread of that flush.
     */
    synchronized boolean responseEnded() {
        if (state == State.DONE) {
            return true;
        }
        if (state != State.STREAMING || !finishing) {
            return false;
        }
        state = State.DONE;
        if (writer == Writer.ARMED) {
            disarm();
            writer = Writer.IDLE;
        }
        stats.ended(record, null);
        return true;
    }

    /**
     * The sink accepts bytes again. Called by the sink's write listener, on an IO thread; it
     * finishes the buffer that filled the sink and goes on while the sink accepts bytes.
     */
    void onWritable() {
        synchronized (this) {
            if (writer != Writer.ARMED || state == State.FAILED) {
                return;
            }
            disarm();
            writer = Writer.ACTIVE;
        }
        write();
    }

    /**
     * The final flush of an HTTP/2 stream ({@link Sink#framed}) waits for a write-ready event:
     * tries the flush again, and if it is done now, goes on as that event would. Seen here, not
     * explained in Undertow's sources: a client stopped (SIGSTOP) in the middle of the body and
     * resumed received every byte and the end of the stream, and closed its connection, while the
     * stream's channel never called the listener of the final flush again nor told of the close;
     * the stream waited until {@code min-rate} dropped it, or for ever with {@code min-rate=0}
     * (StalledStreamsTest, about 1 run in 10 over h2c and TLS h2, Undertow 2.3 and 2.4). A flush
     * that is still not done leaves the wait as it is (its start, which the write timeout
     * measures, and its interest). Called by {@link ClientWatch} at each tick, on the IO thread,
     * where HTTP/2 writes run.
     */
    void retryFinalFlush() {
        if (!sink.framed()) {
            return; // every tick of every stream comes here: no monitor for the others
        }
        synchronized (this) {
            if (!finishing || writer != Writer.ARMED || state != State.STREAMING) {
                return;
            }
        }
        try {
            if (!sink.flush()) {
                return;
            }
        } catch (IOException | RuntimeException e) {
            // the writer's own flush sees it again and fails the stream with it
        }
        onWritable();
    }

    /**
     * The writer has waited for its client since {@code since} ({@code System.nanoTime()}, as
     * {@link #waitingSince} gave it) long enough to call it stalled: the buffers it holds and does
     * not need go back to the pool, where they serve streams whose clients move. Those are the
     * buffers of a chunk that are written out already (a chunk spans two by default, and a stall
     * in its second half held the first for nothing) and those of empty slots; the buffers that
     * still hold unsent bytes stay, moved to the front of their slot. No copy and no allocation:
     * a server whose clients wait long only because it is saturated pays two pool operations per
     * buffer. The reader takes pooled buffers again for the next chunk. Nothing is done while the
     * reader role runs (with read-ahead), or after the stream ended. Over HTTP/2 too: a check
     * meant to leave it out there asked whether writes must move to the IO thread, which on the
     * IO thread, where this runs, is always no; the failure it was meant to keep away (a stopped
     * and resumed client whose exchange did not complete) was the final flush's, and is handled
     * by {@link #retryFinalFlush}. Called by {@link ClientWatch}
     * on the IO thread. Undertow's channels keep no reference to a buffer after a write returns
     * (they copy into the socket, the SSL engine's buffer or an HTTP/2 frame), so a buffer written
     * out is free to go back.
     */
    synchronized void compact(long since) {
        if (writer != Writer.ARMED || state != State.STREAMING || reading || armedAt != since) {
            return;
        }
        long held = 0;
        for (int k = 0; k < filled.length; k++) {
            int slot = (head + k) % filled.length;
            int base = slot * parts;
            int used = k < count ? filled[slot] : 0; // 0 also for a file region, which holds none
            int kept = 0;
            for (int i = base; i < base + parts; i++) {
                // a chunk written out but not yet flushed keeps its last buffer: the writer takes a
                // filled slot without buffers for a file region, and resumes with the flush
                boolean keep = i < base + used && (buffers[i].hasRemaining() || (i == base + used - 1 && kept == 0));
                if (keep) {
                    held += buffers[i].capacity();
                    buffers[base + kept] = buffers[i];
                    pooled[base + kept] = pooled[i];
                    if (base + kept != i) {
                        buffers[i] = null;
                        pooled[i] = null;
                    }
                    kept++;
                } else {
                    buffers[i] = null;
                    if (pooled[i] != null) {
                        pooled[i].close();
                        pooled[i] = null;
                    }
                }
            }
            if (k < count && used > 0) {
                filled[slot] = kept;
            }
        }
        allocated.set(held);
        record.began(armedAt, held); // the same wait, with what it holds now
    }

    /**
     * Fails the stream, once: later calls, and calls after the stream is done, do nothing. Called
     * by either role, or from outside (the connection closed); never holds a write under way.
     */
    void fail(Failure kind, Throwable t) {
        boolean report;
        boolean close;
        boolean cancel;
        synchronized (this) {
            if (state == State.DONE || state == State.FAILED) {
                return;
            }
            state = State.FAILED;
            if (record != null) {
                stats.ended(record, kind);
            }
            failure = kind;
            cause = t;
            if (writer == Writer.ARMED) {
                disarm();
                writer = Writer.IDLE;
            }
            report = writer == Writer.IDLE;
            reported |= report;
            close = !reading;
            reading = true; // a last reader turn closes the body, or the reader under way does
            cancel = readerThread != null;
            if (cancel) {
                readerThread.interrupt(); // cleared by the reader when its read returns
            }
        }
        if (cancel) {
            Closer.cancel(body);
        }
        if (report) {
            report(kind, t);
        }
        if (close) {
            schedule();
        }
    }

    /**
     * {@code sink.begin(length)} with the writer role held, so that a failure from elsewhere meanwhile
     * (a read timeout whose interrupt the body swallowed, a client gone) is reported once begin has
     * returned, never while it runs: begin takes the response channel on this thread, the report
     * answers or aborts the exchange on the IO thread. False if the stream failed (then reported).
     * Called by the reader role, before the first write.
     */
    private boolean begin(long length) {
        synchronized (this) {
            if (state == State.FAILED) {
                return false;
            }
            writer = Writer.ACTIVE;
        }
        try {
            sink.begin(length);
        } catch (Throwable t) {
            fail(Failure.BODY, t);
            exitWriter();
            return false;
        }
        synchronized (this) {
            if (state != State.FAILED) {
                writer = Writer.IDLE;
                return true;
            }
        }
        exitWriter();
        return false;
    }

    /** Tells the sink, once; a sink that throws still lets the body close and the buffers go back. */
    private void report(Failure kind, Throwable t) {
        try {
            sink.fail(kind, t, sent);
        } catch (Throwable e) {
            Log.ROOT.endFailed(e, sink);
        }
    }

    /**
     * Runs {@code check} if a body read is under way, holding the pump's monitor so that no
     * write starts meanwhile (the read cannot end and hand its chunk to a writer); false if no
     * read is under way or the stream has failed. For {@link ClientWatch}, on the IO thread.
     */
    synchronized boolean whileReading(java.util.function.BooleanSupplier check) {
        return readerThread != null && state != State.FAILED && state != State.DONE && check.getAsBoolean();
    }

    /**
     * When the call into {@code body.read} under way began ({@code System.nanoTime()}), or -1 if
     * none is: the reader's thread is published, and the stamp is that of the call under way, never
     * one left from an earlier call ({@link #bodyRead}).
     */
    synchronized long readingSince() {
        return readerThread != null && state != State.FAILED && state != State.DONE ? readStarted : -1;
    }

    /**
     * Since when the writer waits for a full socket ({@code System.nanoTime()}), or -1 if it does
     * not; the final flush included.
     */
    synchronized long waitingSince() {
        return writer == Writer.ARMED && state == State.STREAMING ? armedAt : -1;
    }

    /** Body bytes written so far. */
    long sent() {
        return sent;
    }

    /** Whether the stream is done or failed. */
    synchronized boolean isFinished() {
        return state == State.DONE || state == State.FAILED;
    }

    /** Submits the reader; the caller holds the reader role and gives it to the task. */
    private void schedule() {
        try {
            if (gate != null) {
                gate.execute(this);
            } else {
                executor.execute(this);
            }
        } catch (RejectedExecutionException e) {
            rejected(e);
        }
    }

    /** Runs a turn of the reader on the stream's executor: for the {@link ReadGate}, which holds none. */
    void submit() {
        executor.execute(this);
    }

    /**
     * The executor refused the reader's task (directly, or when the {@link ReadGate} started a
     * waiting turn): the caller held the reader role and gives it up here.
     */
    void rejected(RejectedExecutionException e) {
        fail(Failure.REJECTED, e);
        // No task will run. Close the body here, unless this is an IO thread, where user code
        // must never run: then on the library's own closing thread.
        if (Closer.onIoThread()) {
            Closer.execute(this::exitReader);
        } else {
            exitReader();
        }
    }

    private void exitReader() {
        boolean close;
        synchronized (this) {
            close = !transferring || state == State.FAILED; // else the writer closes it after the region
        }
        if (close) {
            closeBody();
        }
        boolean release;
        synchronized (this) {
            reading = false;
            release = takeRelease();
        }
        if (release) {
            release();
        }
    }

    private void exitWriter() {
        boolean report;
        boolean release;
        Failure kind;
        Throwable t;
        synchronized (this) {
            writer = Writer.IDLE;
            report = !reported && state == State.FAILED;
            reported |= report;
            kind = failure;
            t = cause;
            release = takeRelease();
        }
        if (report) {
            report(kind, t);
        }
        if (release) {
            release();
        }
    }

    /** Whether the buffers may go back to the pool now; true once. Holds the monitor. */
    private boolean takeRelease() {
        if (released || reading || writer == Writer.ACTIVE
                || (state != State.DONE && state != State.FAILED)) {
            return false;
        }
        released = true;
        return true;
    }

    private void release() {
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = null;
            if (pooled[i] != null) {
                pooled[i].close();
                pooled[i] = null;
            }
        }
    }

    /** Buffer {@code i} of the ring, taken from the pool on first use. Reader role only. */
    private ByteBuffer buffer(int i) {
        ByteBuffer b = buffers[i];
        if (b == null) {
            pooled[i] = sink.allocate();
            b = buffers[i] = pooled[i].getBuffer();
            allocated.addAndGet(b.capacity());
        }
        return b;
    }

    /** The writer waits for a full socket from now on. Holds the monitor. */
    private void arm() {
        writer = Writer.ARMED;
        armedAt = System.nanoTime();
        record.began(armedAt, allocated.get());
    }

    /** The writer's wait for the socket is over (ready, failed, or the response ended). Holds the monitor. */
    private void disarm() {
        waited += System.nanoTime() - armedAt;
        record.ended();
    }

    /**
     * How long the writer has waited for the client in all, the wait under way included, at
     * {@code now}: the clock of {@code min-rate}, which the time spent reading the body never moves.
     */
    synchronized long waitedForClient(long now) {
        return waited + (writer == Writer.ARMED ? now - armedAt : 0);
    }

    /** Closes the body once: by the reader role, or by the writer after a file region (never on an IO thread). */
    private void closeBody() {
        synchronized (this) {
            if (bodyClosed) {
                return;
            }
            bodyClosed = true;
        }
        try {
            body.close();
        } catch (Throwable t) {
            Log.ROOT.closeFailed(t, body);
        }
    }

    /** For tests and logs: the state, the roles and the ring. */
    @Override
    public synchronized String toString() {
        return "Pump[" + state + ", reading=" + reading + ", writer=" + writer + ", filled=" + count
                + "/" + filled.length + ", read=" + read + ", sent=" + sent + ", " + body + "]";
    }
}
