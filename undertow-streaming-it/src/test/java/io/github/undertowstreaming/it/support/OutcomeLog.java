package io.github.undertowstreaming.it.support;

import java.util.Optional;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.opentest4j.MultipleFailuresError;

/**
 * Prints one line per test with its display name (the parameters in words, which surefire's
 * report leaves out) and, for a failure, each failed check on a line of its own.
 */
public final class OutcomeLog implements TestWatcher {

    @Override
    public void testSuccessful(ExtensionContext context) {
        System.out.println("[edge] PASS " + name(context));
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        StringBuilder b = new StringBuilder("[edge] FAIL ").append(name(context));
        if (cause instanceof MultipleFailuresError m) {
            for (Throwable t : m.getFailures()) {
                b.append("\n[edge]     - ").append(firstLine(t));
            }
        } else {
            b.append("\n[edge]     - ").append(firstLine(cause));
        }
        System.out.println(b);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        System.out.println("[edge] ABORTED " + name(context) + ": " + firstLine(cause));
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        System.out.println("[edge] DISABLED " + name(context));
    }

    private static String name(ExtensionContext context) {
        String method = context.getRequiredTestMethod().getName();
        String display = context.getDisplayName();
        return display.startsWith(method) ? display : method + " [" + display + "]";
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        return t.getClass().getSimpleName() + ": " + m.replace('\n', ' ');
    }
}
