package io.github.undertowstreaming.it.support;

import io.github.undertowstreaming.demo.Pattern;
import java.io.IOException;
import java.io.InputStream;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * {@code GET ?size=N&known=true|false&maxRead=K&failAt=F&delayMs=D}: N pattern bytes (endless if
 * N < 0) through {@link Streaming#send}, from a blocking stream that returns at most K bytes a
 * read, takes D ms a read (a slow source), and throws once F bytes were read. Every stream it opens is offered to {@link #opened}.
 */
public final class PatternRoute implements HttpHandler {

    public final BlockingQueue<Pattern.PatternStream> opened = new LinkedBlockingQueue<>();

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Map<String, Deque<String>> q = exchange.getQueryParameters();
        long size = Long.parseLong(param(q, "size", "1048576"));
        boolean known = Boolean.parseBoolean(param(q, "known", "true"));
        int maxRead = Integer.parseInt(param(q, "maxRead", String.valueOf(Integer.MAX_VALUE)));
        long failAt = Long.parseLong(param(q, "failAt", "-1"));
        long delayMs = Long.parseLong(param(q, "delayMs", "0"));
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
        StreamingBody body = StreamingBody.ofInputStream(() -> {
            Pattern.PatternStream s = Pattern.stream(size).maxRead(maxRead);
            opened.add(s);
            InputStream in = failAt < 0 ? s : failing(s, failAt);
            return delayMs > 0 ? slow(in, delayMs) : in;
        }, known && size >= 0 ? size : -1);
        Streaming.send(exchange, body);
    }

    private static InputStream failing(Pattern.PatternStream s, long failAt) {
        return new InputStream() {
            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                long left = failAt - s.position();
                if (left <= 0) {
                    throw new IOException("the source failed at byte " + failAt);
                }
                return s.read(b, off, (int) Math.min(len, left));
            }

            @Override
            public void close() {
                s.close();
            }
        };
    }

    /** Each read takes {@code delayMs} first: a source slow to produce, such as a remote store. */
    private static InputStream slow(InputStream in, long delayMs) {
        return new java.io.FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
                return super.read(b, off, len);
            }
        };
    }

    private static String param(Map<String, Deque<String>> q, String name, String dflt) {
        Deque<String> d = q.get(name);
        return d == null || d.isEmpty() ? dflt : d.getFirst();
    }
}
