package io.github.undertowstreaming.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The heap arrays through which an {@code InputStream} body's bytes reach the pool's direct
 * buffers ({@code InputStream} reads into arrays only), lent for one read and given back after it.
 *
 * <p>An array kept by each stream for its whole life was 16 KiB of heap per stalled stream, three
 * quarters of the heap such a stream holds (a heap histogram of 1,000 stalled streams of the
 * pull pump, Undertow 2.4 on Java 25: 21.6 KiB each, of which Undertow's connection and exchange
 * 4.6 KiB and this array 16 KiB), though a stream uses it only while it reads. Here an array is
 * held only during a read: a few arrays serve every stream, however many wait for their clients.
 *
 * <p>A fixed set of slots, each empty or holding one array; a read takes the array of the first
 * slot that has one big enough, from a slot that depends on its thread so that threads seldom
 * meet, or makes one; it gives it back to an empty slot, or drops it if none is. No lock and no
 * allocation once warm. Any thread: the readers on the executor, virtual threads included.
 */
final class TransferArrays {

    /** Slots: about the most reads under way at once on a worker (the read gate lets half of its 16 threads). */
    private static final int SLOTS = 16;

    private static final AtomicReferenceArray<byte[]> FREE = new AtomicReferenceArray<>(SLOTS);

    private TransferArrays() {
    }

    /** An array of at least {@code size} bytes, for this thread until {@link #give}. */
    static byte[] take(int size) {
        int start = Thread.currentThread().hashCode() & (SLOTS - 1);
        for (int k = 0; k < SLOTS; k++) {
            int i = (start + k) & (SLOTS - 1);
            byte[] a = FREE.get(i);
            if (a != null && a.length >= size && FREE.compareAndSet(i, a, null)) {
                return a;
            }
        }
        return new byte[size];
    }

    /** Gives back an array from {@link #take}; the caller keeps no reference to it. */
    static void give(byte[] a) {
        int start = Thread.currentThread().hashCode() & (SLOTS - 1);
        for (int k = 0; k < SLOTS; k++) {
            int i = (start + k) & (SLOTS - 1);
            if (FREE.get(i) == null && FREE.compareAndSet(i, null, a)) {
                return;
            }
        }
    }
}
