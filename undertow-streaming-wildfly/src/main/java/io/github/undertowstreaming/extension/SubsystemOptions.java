package io.github.undertowstreaming.extension;

import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.internal.OptionsText;
import io.undertow.predicate.Predicate;

/**
 * What the subsystem's model says, checked: the options of every deployment's handler, and the
 * predicate that picks the requests it sees (null: all of them).
 *
 * <p>{@code dispatch} is kept as text, checked, and applied by {@link #streaming()} when a
 * deployment is wrapped: {@code dispatch=virtual} needs virtual threads in the JVM that runs the
 * deployments, and nowhere else (the model may have been written by a build on Java 17 for a
 * server that runs on 25).
 */
final class SubsystemOptions {

    private final StreamingOptions withoutDispatch;
    private final String dispatch;
    private final String maxDispatched;
    private final Predicate predicate;

    /**
     * {@code dispatch}: checked text ({@code virtual} or {@code worker}), or null for the default;
     * {@code maxDispatched}: checked text, or null, which needs {@code dispatch} (checked with it).
     */
    SubsystemOptions(StreamingOptions withoutDispatch, String dispatch, String maxDispatched, Predicate predicate) {
        this.withoutDispatch = withoutDispatch;
        this.dispatch = dispatch;
        this.maxDispatched = maxDispatched;
        this.predicate = predicate;
    }

    /**
     * The handler's options, {@code dispatch} resolved by the library here: an
     * {@link IllegalArgumentException} with the library's message ({@code UTSTREAM0119}) when it
     * is {@code virtual} and this JVM has no virtual threads.
     */
    StreamingOptions streaming() {
        if (dispatch == null) {
            return withoutDispatch;
        }
        StreamingOptions.Builder b = OptionsText.apply(withoutDispatch.toBuilder(), "dispatch", dispatch);
        return (maxDispatched == null ? b : OptionsText.apply(b, "max-dispatched", maxDispatched)).build();
    }

    Predicate predicate() {
        return predicate;
    }

    /**
     * The handler in the predicate language, {@code dispatch} and {@code max-dispatched} as
     * written (they are resolved only where deployments are wrapped), then the predicate.
     */
    String describe() {
        String handler = OptionsText.format(withoutDispatch);
        if (dispatch != null) {
            String extra = "dispatch=" + dispatch + (maxDispatched == null ? "" : ", max-dispatched=" + maxDispatched);
            handler = handler.endsWith(")") ? handler.substring(0, handler.length() - 1) + ", " + extra + ")"
                    : handler + "(" + extra + ")";
        }
        return predicate == null ? handler : predicate + " -> " + handler;
    }
}
