package io.github.undertowstreaming.demo;

import java.io.IOException;
import java.nio.ByteBuffer;

import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * {@code GET /sender/bytes?size=N&chunk=K}: the pattern body with no blocking source at all:
 * Undertow's async {@link Sender} looping over one in-memory buffer, {@code K} bytes a send. The
 * upper bound for the other byte routes on this machine. Called on the IO thread; the callbacks
 * run on the IO thread too.
 */
final class SenderBytesRoute implements HttpHandler {

    static final String PATH = "/sender/bytes";

    /** The largest slice a send may take. */
    static final int MAX_CHUNK = 1 << 20;

    /** Pattern bytes, long enough that any slice can start at any offset of the period. */
    private static final ByteBuffer TABLE = table(MAX_CHUNK + 251);

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Params p = Params.of(exchange, PATH, "size", "chunk");
        long size = p.whole("size", 0, PatternSource.MAX_SIZE, PatternSource.DEFAULT_SIZE);
        int chunk = (int) p.whole("chunk", 1, MAX_CHUNK, PatternSource.DEFAULT_CHUNK);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
        exchange.setResponseContentLength(size);
        new Loop(size, chunk).onComplete(exchange, exchange.getResponseSender());
    }

    private static ByteBuffer table(int length) {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        for (int i = 0; i < length; i++) {
            b.put((byte) (i % 251));
        }
        return b.flip().asReadOnlyBuffer();
    }

    /** Sends the next slice each time the previous one completes. IO thread only. */
    private static final class Loop implements IoCallback {
        private final long size;
        private final int chunk;
        private long position;

        Loop(long size, int chunk) {
            this.size = size;
            this.chunk = chunk;
        }

        @Override
        public void onComplete(HttpServerExchange exchange, Sender sender) {
            if (position == size) {
                sender.close(IoCallback.END_EXCHANGE);
                return;
            }
            int start = (int) (position % 251);
            int n = (int) Math.min(chunk, size - position);
            position += n;
            sender.send(TABLE.duplicate().position(start).limit(start + n), this);
        }

        @Override
        public void onException(HttpServerExchange exchange, Sender sender, IOException exception) {
            IoCallback.END_EXCHANGE.onException(exchange, sender, exception);
        }
    }
}
