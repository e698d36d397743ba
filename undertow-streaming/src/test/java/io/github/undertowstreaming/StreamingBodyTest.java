package io.github.undertowstreaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The adapters, read as the pump reads them: into small direct buffers, one call at a time. */
class StreamingBodyTest {

    private static byte[] drain(StreamingBody body, int bufferSize) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(bufferSize);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (;;) {
            buf.clear();
            int n = body.read(buf);
            if (n < 0) {
                break;
            }
            assertTrue(n > 0, "a read returns at least one byte or -1");
            assertEquals(n, buf.position());
            buf.flip();
            byte[] b = new byte[n];
            buf.get(b);
            out.write(b);
        }
        body.close();
        return out.toByteArray();
    }

    @Test
    void anInputStreamIsReadThroughADirectBufferAndClosed() throws IOException {
        byte[] data = new byte[100_000];
        Arrays.fill(data, (byte) 7);
        AtomicBoolean closed = new AtomicBoolean();
        InputStream in = new ByteArrayInputStream(data) {
            @Override
            public void close() {
                closed.set(true);
            }
        };
        StreamingBody body = StreamingBody.of(in, data.length);

        assertEquals(data.length, body.length());
        assertArrayEquals(data, drain(body, 777));
        assertTrue(closed.get());
    }

    @Test
    void anOpenerRunsOnTheFirstReadAndNeverIfTheBodyIsClosedFirst() throws IOException {
        AtomicInteger opened = new AtomicInteger();
        StreamingBody read = StreamingBody.ofInputStream(() -> {
            opened.incrementAndGet();
            return new ByteArrayInputStream(new byte[] {1, 2, 3});
        });
        assertEquals(0, opened.get());
        assertArrayEquals(new byte[] {1, 2, 3}, drain(read, 2));
        assertEquals(1, opened.get());

        StreamingBody unread = StreamingBody.ofInputStream(() -> {
            opened.incrementAndGet();
            return new ByteArrayInputStream(new byte[0]);
        });
        unread.close();
        unread.close();
        assertEquals(1, opened.get());
    }

    @Test
    void aChannelIsReadToItsEnd() throws IOException {
        byte[] data = "channel bytes".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(data, drain(StreamingBody.of(Channels.newChannel(new ByteArrayInputStream(data))), 4));
    }

    @Test
    void chunksOfEveryKindAreCopiedAcrossBufferBoundariesAndByteBuffersAreLeftAsTheyWere() throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap("-buffer-".getBytes(StandardCharsets.US_ASCII));
        buffer.position(1).limit(7);
        List<Object> chunks = List.of("héllo", new byte[] {'!', '!'}, buffer, new StringBuilder("€nd"), new byte[0]);

        byte[] out = drain(StreamingBody.ofChunks(chunks), 3);

        assertEquals("héllo!!buffer€nd", new String(out, StandardCharsets.UTF_8));
        assertEquals(1, buffer.position());
        assertEquals(7, buffer.limit());
    }

    @Test
    void aCharacterWiderThanTheRoomLeftStraddlesTwoReads() throws IOException {
        String text = "a€😀é\u00ff";
        for (int size = 1; size <= 20; size++) {
            assertArrayEquals(text.getBytes(StandardCharsets.UTF_8),
                    drain(StreamingBody.ofChunks(List.of(text.substring(0, 2), text.substring(2))), size),
                    "buffer of " + size);
        }
    }

    @Test
    void chunksInAnotherCharsetAreEncodedInIt() throws IOException {
        byte[] out = drain(StreamingBody.ofChunks(List.of("ü", "ß"), StandardCharsets.ISO_8859_1), 1);
        assertArrayEquals(new byte[] {(byte) 0xfc, (byte) 0xdf}, out);
    }

    @Test
    void aChunkOfAnotherTypeFailsTheReadNamingItsIndexAndType() {
        StreamingBody body = StreamingBody.ofChunks(List.of("ok", 42));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> drain(body, 16));
        assertEquals("UTSTREAM0110: Chunk 1 is a java.lang.Integer; a chunk must be a byte[], a ByteBuffer or a CharSequence",
                e.getMessage());
    }

    @Test
    void aStreamOfChunksIsClosedWithTheBody() throws IOException {
        AtomicBoolean closed = new AtomicBoolean();
        StreamingBody body = StreamingBody.ofChunkStream(
                () -> Stream.of("a", "b").onClose(() -> closed.set(true)), StandardCharsets.UTF_8);
        assertArrayEquals("ab".getBytes(StandardCharsets.US_ASCII), drain(body, 8));
        assertTrue(closed.get());
    }

    @Test
    void aLambdaReturningAnyIteratorIsAnIterableBody() throws IOException {
        StreamingBody body = StreamingBody.ofChunks(() -> List.of("x", "y").iterator());
        assertArrayEquals("xy".getBytes(StandardCharsets.US_ASCII), drain(body, 8));
    }

    @Test
    void aReadAfterCloseFailsAndBadArgumentsAreNamed() throws IOException {
        StreamingBody body = StreamingBody.of(new ByteArrayInputStream(new byte[1]));
        body.close();
        IOException e = assertThrows(IOException.class, () -> body.read(ByteBuffer.allocate(1)));
        assertEquals("UTSTREAM0109: InputStream body is closed", e.getMessage());

        assertEquals("UTSTREAM0100: in must not be null",
                assertThrows(IllegalArgumentException.class, () -> StreamingBody.of((InputStream) null)).getMessage());
        assertEquals("UTSTREAM0101: length must be -1 (unknown) or at least 0, but was -2",
                assertThrows(IllegalArgumentException.class,
                        () -> StreamingBody.of(new ByteArrayInputStream(new byte[0]), -2)).getMessage());
    }

    /**
     * A file body reads with positional reads: its region only, the channel's own position
     * untouched; a path's file is opened by the first read, which fixes its length.
     */
    @Test
    void aFileBodyReadsItsRegionAndLeavesTheChannelsPositionAlone() throws IOException {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("streaming-body", ".bin");
        try {
            java.nio.file.Files.write(file, "0123456789".getBytes(StandardCharsets.US_ASCII));
            StreamingBody whole = StreamingBody.ofFile(file);
            assertEquals(-1, whole.length(), "unknown until the file is opened on the executor");
            assertArrayEquals("0123456789".getBytes(StandardCharsets.US_ASCII), drain(whole, 3));
            assertEquals(10, whole.length());

            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
                ch.position(7);
                StreamingBody region = StreamingBody.ofFile(ch, 2, 5);
                assertEquals(5, region.length());
                ByteBuffer b = ByteBuffer.allocate(16);
                assertEquals(5, region.read(b), "no further than the region");
                assertEquals(-1, region.read(b));
                assertArrayEquals("23456".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(b.array(), 5));
                assertEquals(7, ch.position());
                region.close();
                assertFalse(ch.isOpen(), "the body closes the channel it was given");
            }
            assertEquals("UTSTREAM0101: position must be at least 0, but was -1",
                    assertThrows(IllegalArgumentException.class,
                            () -> StreamingBody.ofFile(java.nio.channels.FileChannel.open(file), -1, 1)).getMessage());
            assertEquals("UTSTREAM0101: count must be at least 0, but was -3",
                    assertThrows(IllegalArgumentException.class,
                            () -> StreamingBody.ofFile(java.nio.channels.FileChannel.open(file), 0, -3)).getMessage());
            assertEquals("UTSTREAM0100: path must not be null",
                    assertThrows(IllegalArgumentException.class,
                            () -> StreamingBody.ofFile((java.nio.file.Path) null)).getMessage());
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void anOpenerThatReturnsNullFailsTheFirstRead() {
        StreamingBody body = StreamingBody.ofInputStream(() -> null);
        IOException e = assertThrows(IOException.class, () -> body.read(ByteBuffer.allocate(1)));
        assertEquals("UTSTREAM0108: The opener of a InputStream body returned null", e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }

    /**
     * The pump cancels a body whose read blocks (a failure from elsewhere), then closes it once
     * the read returned: a factory's source is closed by whichever comes first, and only then.
     */
    @Test
    void aSourceClosedByCancelIsNotClosedAgainByClose() throws IOException {
        AtomicInteger closes = new AtomicInteger();
        StreamingBody given = StreamingBody.of(counted(closes));
        given.cancel();
        given.cancel();
        given.close();
        assertEquals(1, closes.get(), "a stream given open");

        closes.set(0);
        StreamingBody opened = StreamingBody.ofInputStream(() -> counted(closes));
        opened.read(ByteBuffer.allocate(1));
        opened.cancel();
        opened.close();
        opened.close();
        assertEquals(1, closes.get(), "a stream from an opener");

        closes.set(0);
        StreamingBody channel = StreamingBody.of(Channels.newChannel(counted(closes)));
        channel.cancel();
        channel.close();
        assertEquals(1, closes.get(), "a channel");

        closes.set(0);
        StreamingBody chunks = StreamingBody.ofChunks(Stream.of("a").onClose(closes::incrementAndGet));
        chunks.read(ByteBuffer.allocate(1));
        chunks.cancel();
        chunks.close();
        assertEquals(1, closes.get(), "a stream of chunks");

        closes.set(0);
        StreamingBody closedFirst = StreamingBody.of(counted(closes));
        closedFirst.close();
        closedFirst.cancel();
        assertEquals(1, closes.get(), "a cancel after the close");
    }

    /** A stream of three bytes that counts its closes. */
    private static InputStream counted(AtomicInteger closes) {
        return new ByteArrayInputStream(new byte[] {1, 2, 3}) {
            @Override
            public void close() {
                closes.incrementAndGet();
            }
        };
    }
}
