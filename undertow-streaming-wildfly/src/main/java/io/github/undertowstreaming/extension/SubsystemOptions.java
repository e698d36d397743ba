package io.github.undertowstreaming.extension;

import io.github.undertowstreaming.StreamingOptions;
import io.undertow.predicate.Predicate;

/**
 * What the subsystem's model says, checked: the options of every deployment's handler, and the
 * predicate that picks the requests it sees (null: all of them).
 */
final class SubsystemOptions {

    private final StreamingOptions streaming;
    private final Predicate predicate;

    SubsystemOptions(StreamingOptions streaming, Predicate predicate) {
        this.streaming = streaming;
        this.predicate = predicate;
    }

    StreamingOptions streaming() {
        return streaming;
    }

    Predicate predicate() {
        return predicate;
    }
}
