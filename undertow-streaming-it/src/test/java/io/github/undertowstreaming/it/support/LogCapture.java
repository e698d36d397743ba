package io.github.undertowstreaming.it.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures, at every level down to DEBUG (JUL FINE and below), what some loggers log while it is
 * open. jboss-logging logs through java.util.logging in these tests (no other backend is on the
 * class path), so a JUL handler sees the library's and Undertow's messages, formatted.
 */
public final class LogCapture implements AutoCloseable {

    private final List<Logger> loggers = new ArrayList<>();
    private final List<Level> levels = new ArrayList<>();
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
            messages.add(r.getLoggerName() + " " + r.getLevel() + " " + formatter.formatMessage(r)
                    + (r.getThrown() == null ? "" : " [" + r.getThrown() + "]"));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(String... names) {
        handler.setLevel(Level.ALL);
        for (String name : names) {
            Logger l = Logger.getLogger(name);
            loggers.add(l); // held: JUL keeps loggers only weakly
            levels.add(l.getLevel());
            l.setLevel(Level.ALL);
            l.addHandler(handler);
        }
    }

    /** Starts capturing what the loggers of these names (and their children) log. */
    public static LogCapture of(String... loggerNames) {
        return new LogCapture(loggerNames);
    }

    public List<String> messages() {
        return List.copyOf(messages);
    }

    /** The captured messages that contain {@code text}. */
    public List<String> containing(String text) {
        return messages.stream().filter(m -> m.contains(text)).toList();
    }

    @Override
    public void close() {
        for (int i = 0; i < loggers.size(); i++) {
            loggers.get(i).removeHandler(handler);
            loggers.get(i).setLevel(levels.get(i));
        }
    }
}
