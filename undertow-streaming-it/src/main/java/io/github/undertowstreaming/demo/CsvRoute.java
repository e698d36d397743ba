package io.github.undertowstreaming.demo;

import java.util.Iterator;
import java.util.NoSuchElementException;

import io.github.undertowstreaming.Streaming;
import io.github.undertowstreaming.StreamingBody;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * {@code GET /csv?rows=N}: lines {@code i,item-i} for i from 0 to N-1, produced one by one by an
 * iterator that the library calls on the executor (where a database cursor could block). Called
 * on the IO thread.
 */
final class CsvRoute implements HttpHandler {

    static final String PATH = "/csv";
    static final long MAX_ROWS = 1_000_000_000L;
    static final long DEFAULT_ROWS = 1000;

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        long rows = Params.of(exchange, PATH, "rows").whole("rows", 0, MAX_ROWS, DEFAULT_ROWS);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/csv; charset=utf-8");
        Streaming.send(exchange, StreamingBody.ofChunks(() -> new Rows(rows)));
    }

    /** The rows, one line per element. Used by one executor thread at a time. */
    private static final class Rows implements Iterator<String> {
        private final long rows;
        private long next;

        Rows(long rows) {
            this.rows = rows;
        }

        @Override
        public boolean hasNext() {
            return next < rows;
        }

        @Override
        public String next() {
            if (next >= rows) {
                throw new NoSuchElementException("all " + rows + " rows were returned");
            }
            long i = next++;
            return i + ",item-" + i + "\n";
        }
    }
}
