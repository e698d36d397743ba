package io.github.undertowstreaming.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.github.undertowstreaming.StreamingBody;

class TransferArraysTest {

    @Test
    void aThousandReadsInARowBorrowTheSameFewArrays() {
        Set<byte[]> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 1000; i++) {
            byte[] a = TransferArrays.take(16384);
            seen.add(a);
            TransferArrays.give(a);
        }
        assertTrue(seen.size() <= 2, "1000 reads one after another borrowed " + seen.size() + " arrays");
    }

    @Test
    void anArrayTooSmallForTheReadIsNotLentForIt() {
        byte[] small = TransferArrays.take(8);
        TransferArrays.give(small);
        byte[] big = TransferArrays.take(32768);
        try {
            assertTrue(big.length >= 32768, "lent " + big.length + " bytes for a read of 32768");
        } finally {
            TransferArrays.give(big);
        }
    }

    /**
     * Eight threads each read their own InputStream body into direct buffers, 16 KiB at a time, at
     * once: an array lent to two reads at the same time would mix their bytes.
     */
    @Test
    void readsOnManyThreadsAtOnceNeverShareAnArray() {
        int threads = 8;
        int size = 4 << 20;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    byte value = (byte) (t + 1);
                    done.add(pool.submit(() -> {
                        byte[] source = new byte[size];
                        Arrays.fill(source, value);
                        StreamingBody body = StreamingBody.ofInputStream(() -> new ByteArrayInputStream(source), size);
                        ByteBuffer buffer = ByteBuffer.allocateDirect(16384);
                        long total = 0;
                        for (int n; (n = body.read(buffer.clear())) >= 0; ) {
                            buffer.flip();
                            while (buffer.hasRemaining()) {
                                assertEquals(value, buffer.get(), "a byte of thread " + value + " at " + total);
                            }
                            total += n;
                        }
                        body.close();
                        assertEquals(size, total);
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            });
        } finally {
            pool.shutdownNow();
        }
    }
}
