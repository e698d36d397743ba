package io.github.undertowstreaming.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class ClientRateTest {

    private static final long TICK = TimeUnit.MILLISECONDS.toNanos(250);

    /** Feeds a client that moves {@code perTick} bytes per tick of waiting; returns the tick it was judged too slow at, or -1. */
    private static int judge(ClientRate rate, long firstBytes, long perTick, int ticks) {
        long bytes = firstBytes;
        for (int i = 1; i <= ticks; i++) {
            bytes += perTick;
            if (rate.tooSlow(i * TICK, bytes) >= 0) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aTrickleReaderIsJudgedTooSlowOnceTheGraceAndOneWindowOfWaitingHavePassed() {
        ClientRate rate = new ClientRate(1024, Duration.ofSeconds(1));
        // 64 KiB vanish into kernel buffers at once, then 8 bytes per 250 ms (32 B/s)
        int tick = judge(rate, 64 * 1024, 8, 100);
        assertEquals(8, tick, "judged after 1 s of grace and a 1 s window of waiting");
    }

    @Test
    void aClientAtTheRateOrAboveIsNeverJudged() {
        ClientRate rate = new ClientRate(1024, Duration.ofSeconds(1));
        assertEquals(-1, judge(rate, 0, 256, 1000)); // exactly 1024 B/s
        assertEquals(-1, judge(new ClientRate(1024, Duration.ofSeconds(1)), 0, 16 * 1024, 1000));
    }

    @Test
    void timeNotSpentWaitingForTheClientNeverCounts() {
        ClientRate rate = new ClientRate(1024, Duration.ofSeconds(1));
        // a slow source: the waiting clock stands still however long the stream lives
        for (int i = 0; i < 1000; i++) {
            assertEquals(-1, rate.tooSlow(TICK / 2, 10));
        }
    }

    @Test
    void theWindowSlidesSoThatAClientThatSlowsDownLaterIsJudgedToo() {
        ClientRate rate = new ClientRate(1024, Duration.ofSeconds(1));
        long bytes = 0;
        int i = 1;
        for (; i <= 200; i++) { // 50 s at 4 KiB/s: fine
            bytes += 1024;
            assertEquals(-1, rate.tooSlow(i * TICK, bytes));
        }
        int judged = -1;
        for (int j = i; j < i + 100 && judged < 0; j++) { // then 8 B per tick
            bytes += 8;
            judged = rate.tooSlow(j * TICK, bytes) >= 0 ? j - i + 1 : -1;
        }
        assertTrue(judged > 0 && judged <= 5, "judged within a window of the slow-down: tick " + judged);
    }
}
