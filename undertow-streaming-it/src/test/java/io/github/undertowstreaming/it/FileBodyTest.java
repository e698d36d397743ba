package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xnio.Options;

import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.CloseRecorder;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.RecordingFileChannel;
import io.github.undertowstreaming.it.support.Waits;

/**
 * {@code StreamingBody.ofFile}: byte-exact with its length over HTTP/1.1, HTTP/1.1 over TLS, h2c
 * (prior knowledge and the upgraded first stream) and TLS h2; HEAD; a file that shrinks while
 * it is sent is never seen complete; and a slow client of a file over plain HTTP/1.x, where the
 * rest of the file goes by sendfile, holds no pooled buffer at all (elsewhere the file goes
 * through the pump's buffers). Each with the contract's checks: the file closed once, not on an
 * IO thread, the exchange completed, every pooled buffer back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class FileBodyTest extends ContractTestBase {

    /** How a client reaches the server, and whether the file then goes by sendfile. */
    enum Way {
        HTTP_1_1(Protocol.HTTP_1_1, false, true),
        TLS_HTTP_1_1(Protocol.TLS_H2, true, false),
        H2C_PRIOR_KNOWLEDGE(Protocol.H2C_PRIOR_KNOWLEDGE, false, false),
        H2C_UPGRADE(Protocol.H2C_UPGRADE, false, false),
        TLS_H2(Protocol.TLS_H2, false, false);

        final Protocol protocol;
        final boolean http11OverTls;
        final boolean zeroCopy;

        Way(Protocol protocol, boolean http11OverTls, boolean zeroCopy) {
            this.protocol = protocol;
            this.http11OverTls = http11OverTls;
            this.zeroCopy = zeroCopy;
        }

        /** The protocol the server must have seen, or null for HTTP/1.1 over TLS (the enum has none). */
        Protocol seen() {
            return http11OverTls ? null : protocol;
        }

        String curlVersion() {
            return http11OverTls ? "1.1" : protocol.curlVersion();
        }
    }

    private final BlockingQueue<CloseRecorder> files = new LinkedBlockingQueue<>();
    private Path dir;

    @BeforeEach
    void makeDirectory() throws IOException {
        dir = Files.createTempDirectory("file-body-test");
    }

    @AfterEach
    void removeDirectory() throws IOException {
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    private Path patternFile(long size) throws IOException {
        Path p = dir.resolve("pattern-" + size);
        Files.copy(Pattern.stream(size), p);
        return p;
    }

    /** A route that sends {@code count} bytes of {@code file} from {@code position}, through a recorded channel. */
    private void fileRoute(String path, Path file, long position, long count) {
        server.route(path, exchange -> {
            RecordingFileChannel channel = RecordingFileChannel.open(file);
            files.add(channel.closes());
            Streaming.send(exchange, StreamingBody.ofFile(channel, position, count));
        });
    }

    private Curl curl(Way way, String path) {
        Curl c = curl(way.protocol, path);
        return way.http11OverTls ? c.http11OverTls() : c;
    }

    private static String sha256(Path file, long position, long count) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (FileChannel ch = FileChannel.open(file)) {
            d.update(ch.map(FileChannel.MapMode.READ_ONLY, position, count));
        }
        return HexFormat.of().formatHex(d.digest());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Way.class)
    void aFileArrivesByteExactWithItsLengthEveryWay(Way way) throws Exception {
        Path file = patternFile(1_000_003);
        server.route("/path", exchange -> Streaming.send(exchange, StreamingBody.ofFile(file)));
        Curl.Result whole = curl(way, "/path").run();
        assertEquals(0, whole.exitCode(), whole::toString);
        assertEquals(200, whole.status(), whole::toString);
        assertEquals(way.curlVersion(), whole.httpVersion(), whole::toString);
        assertEquals("1000003", whole.header("content-length"), whole::toString);
        assertEquals(Pattern.digest(1_000_003), whole.digest(), whole::toString);

        fileRoute("/region", file, 1000, 700_001);
        Curl.Result r = curl(way, "/region").run();
        String expected = sha256(file, 1000, 700_001);
        assertContract(take(files), null, way.seen(), "/region",
                () -> assertEquals(0, r.exitCode(), r::toString),
                () -> assertEquals(200, r.status(), r::toString),
                () -> assertEquals(way.curlVersion(), r.httpVersion(), r::toString),
                () -> assertEquals("700001", r.header("content-length"), r::toString),
                () -> assertEquals(expected, r.digest(), r::toString));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Way.class)
    void aHeadRequestGetsTheFilesLengthAndNoBody(Way way) throws Exception {
        fileRoute("/file", patternFile(300_001), 0, 300_001);
        Curl.Result r = curl(way, "/file").head().run();
        assertContract(take(files), null, way.seen(), "/file",
                () -> assertEquals(0, r.exitCode(), r::toString),
                () -> assertEquals(200, r.status(), r::toString),
                () -> assertEquals("300001", r.header("content-length"), r::toString),
                () -> assertEquals(0, r.bodyBytes(), r::toString));
    }

    /**
     * The file is cut to nothing while a client reads it at 256 KiB/s: the transfer (sendfile over
     * plain HTTP/1.1) or the read (elsewhere) comes up short of the length, and the client sees
     * the response incomplete, not complete.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Way.class)
    void aFileThatShrinksWhileItIsSentIsSeenIncomplete(Way way) throws Exception {
        server.close();
        server = EdgeServer.start(b -> b.setSocketOption(Options.SEND_BUFFER, 16 * 1024));
        long size = 8L << 20;
        Path file = patternFile(size);
        fileRoute("/shrinks", file, 0, size);
        Curl.Running running = curl(way, "/shrinks").limitRate("256k").maxTime(Duration.ofSeconds(20)).start();
        Waits.await(() -> {
            try {
                return running.bodyBytesSoFar() >= 64 * 1024;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(10), () -> "curl got no 64 KiB of the file");
        try (FileChannel w = FileChannel.open(file, StandardOpenOption.WRITE)) {
            w.truncate(0);
        }
        Curl.Result r = running.await();
        assertContract(take(files), null, way.seen(), "/shrinks",
                () -> assertEquals(200, r.status(), r::toString),
                () -> assertIncompleteSeen(r),
                () -> assertTrue(r.bodyBytes() < size, r::toString));
    }

    /**
     * A client that reads 64 KiB a second from a 256 MiB file: while the stream waits for it, the
     * library counts the bytes it holds for it. Over plain HTTP/1.1 the rest of the file goes by
     * sendfile and the stream holds nothing, and the pool has no buffer out at all; elsewhere
     * the file goes through the pump's buffers, which the count shows.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Way.class)
    void aSlowClientOfAFileHoldsNoPooledBufferWhereTheFileGoesBySendfile(Way way) throws Exception {
        server.close();
        server = EdgeServer.start(b -> b.setSocketOption(Options.SEND_BUFFER, 16 * 1024));
        Path file = dir.resolve("sparse");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(256L << 20);
        }
        fileRoute("/slow", file, 0, 256L << 20);
        Curl.Running running = curl(way, "/slow").limitRate("64k").discardBody().maxTime(Duration.ofSeconds(30)).start();
        try {
            Waits.await(() -> server.stats().waitingForClients() >= 1, Duration.ofSeconds(10),
                    () -> "the stream never waited for its client: " + server.stats());
            if (way.zeroCopy) {
                Waits.await(() -> server.stats().bytesHeldWaiting() == 0 && server.pool().outstanding() == 0,
                        Duration.ofSeconds(5), () -> "a stream sent by sendfile holds buffers while it waits: "
                                + server.stats() + ", pool out " + server.pool().outstanding());
            } else {
                long held = server.stats().bytesHeldWaiting();
                assertTrue(held > 0, () -> "a file read into buffers holds them while it waits: " + server.stats());
            }
        } finally {
            running.kill();
        }
        assertContract(take(files), null, way.seen(), "/slow");
    }
}
