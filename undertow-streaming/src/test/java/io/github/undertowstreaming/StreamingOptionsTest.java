package io.github.undertowstreaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

import io.undertow.predicate.Predicates;

class StreamingOptionsTest {

    @Test
    void theDefaultsReadIntoPooledBuffersWithoutReadAheadAndSkipUpgrades() {
        StreamingOptions d = StreamingOptions.defaults();
        assertEquals(0, d.chunkSize());
        assertEquals(StreamingOptions.DEFAULT_READ_AHEAD, d.readAhead());
        assertEquals(StreamingOptions.DEFAULT_READ_BUDGET, d.readBudget());
        assertNull(d.executor());
        assertSame(StreamingOptions.upgradeRequests(), d.skip());
    }

    @Test
    void aBadValueIsRefusedWithTheOptionAndTheValueInTheMessage() {
        assertMessage("UTSTREAM0101: chunk-size must be between 1 and 16777216, but was 0",
                () -> StreamingOptions.builder().chunkSize(0));
        assertMessage("UTSTREAM0101: chunk-size must be between 1 and 16777216, but was 16777217",
                () -> StreamingOptions.builder().chunkSize(16777217));
        assertMessage("UTSTREAM0101: read-ahead must be between 0 and 64, but was -1",
                () -> StreamingOptions.builder().readAhead(-1));
        assertMessage("UTSTREAM0101: read-budget must be at least 1, but was 0",
                () -> StreamingOptions.builder().readBudget(0));
        assertMessage("UTSTREAM0100: executor must not be null", () -> StreamingOptions.builder().executor(null));
        assertMessage("UTSTREAM0100: skip must not be null", () -> StreamingOptions.builder().skip(null));
    }

    @Test
    void toBuilderKeepsEveryOptionAndTheOriginalStaysAsItWas() {
        Executor executor = Runnable::run;
        StreamingOptions a = StreamingOptions.builder().chunkSize(4096).readAhead(2).readBudget(65536)
                .executor(executor).skip(Predicates.prefix("/api")).build();
        StreamingOptions b = a.toBuilder().readAhead(0).build();

        assertEquals(2, a.readAhead());
        assertEquals(0, b.readAhead());
        assertEquals(4096, b.chunkSize());
        assertEquals(65536, b.readBudget());
        assertSame(executor, b.executor());
        assertSame(a.skip(), b.skip());
    }

    private static void assertMessage(String expected, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertEquals(expected, e.getMessage());
    }
}
