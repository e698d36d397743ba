package io.github.undertowstreaming.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.undertowstreaming.StreamingOptions;

class OptionsTextTest {

    @Test
    void checkAcceptsDispatchVirtualOnEveryJvmAndApplyFailsOnlyWhereThereAreNoVirtualThreads() {
        assertDoesNotThrow(() -> OptionsText.check("dispatch", "virtual"));
        assertDoesNotThrow(() -> OptionsText.check("dispatch", " worker "));
        if (VirtualThreads.available()) {
            assertSame(VirtualThreads.executor("dispatch", "virtual"),
                    OptionsText.apply(StreamingOptions.builder(), "dispatch", "virtual").build().dispatch());
        } else {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OptionsText.apply(StreamingOptions.builder(), "dispatch", "virtual"));
            assertEquals(Messages.MESSAGES.noVirtualThreads("dispatch", "virtual", Runtime.version().toString()).getMessage(),
                    e.getMessage());
        }
        assertNull(OptionsText.apply(StreamingOptions.builder(), "dispatch", "worker").build().dispatch());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"dispatch, sideways", "dispatch, ''", "chunk-size, 0", "read-timeout, -1", "skip, 'path-prefix('", "colour, blue"})
    void checkRefusesWhatApplyRefusesWithTheSameMessage(String name, String value) {
        String applied = assertThrows(IllegalArgumentException.class,
                () -> OptionsText.apply(StreamingOptions.builder(), name, value)).getMessage();
        String checked = assertThrows(IllegalArgumentException.class, () -> OptionsText.check(name, value)).getMessage();
        assertEquals(applied, checked);
    }

    /**
     * The specs say what apply does: every bound is taken and one past it refused, every word
     * taken, and every default applied alone gives the default options.
     */
    @Test
    void everySpecAgreesWithApplyOnItsBoundsItsWordsAndItsDefault() {
        assertEquals(OptionsText.PARAMETERS.keySet(), OptionsText.SPECS.keySet());
        StreamingOptions defaults = StreamingOptions.defaults();
        OptionsText.SPECS.forEach((name, spec) -> {
            if (spec.min() != null) {
                OptionsText.check(name, Long.toString(spec.min()));
                if (spec.min() > Long.MIN_VALUE) {
                    assertThrows(IllegalArgumentException.class, () -> OptionsText.check(name, Long.toString(spec.min() - 1)), name);
                }
            }
            if (spec.max() != null) {
                OptionsText.check(name, Long.toString(spec.max()));
                if (spec.max() < Long.MAX_VALUE) {
                    assertThrows(IllegalArgumentException.class, () -> OptionsText.check(name, Long.toString(spec.max() + 1)), name);
                }
            }
            spec.words().forEach(w -> OptionsText.check(name, w));
            if (spec.defaultValue() != null && !name.equals("dispatch")) {
                assertEquals(OptionsText.format(defaults), OptionsText.format(
                        OptionsText.apply(StreamingOptions.builder(), name, spec.defaultValue()).build()), name + "'s default");
            }
        });
        // dispatch's default, worker, is the default executor (none of its own)
        assertEquals(null, OptionsText.apply(StreamingOptions.builder(), "dispatch", "worker").build().dispatch());
    }
}
