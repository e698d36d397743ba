package io.github.undertowstreaming.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

import io.github.undertowstreaming.demo.Pattern;

/**
 * One running peer: a server on 127.0.0.1 that serves {@code GET /bytes?size=N} (N pattern bytes,
 * byte i is i % 251, with a {@code Content-Length}) and {@code GET /ping} ({@code pong}), started
 * by {@link #start}. Every peer reads the body from the same blocking {@link InputStream} and
 * copies it in {@link #CHUNK}-byte writes; /ping runs on the same kind of thread as a download.
 */
interface Peer {

    /** The peers, in the order the benchmark reports them. */
    List<String> IDS = List.of(JettyPeer.ID, HelidonPeer.ID, UndertowPeer.VIRTUAL, UndertowPeer.BLOCKING,
            UndertowPeer.PULL_PUMP, UndertowPeer.TRANSPARENT, UndertowPeer.PULL_PUMP_READ_AHEAD,
            UndertowPeer.PULL_PUMP_VIRTUAL_READS);

    /** Bytes a read of the source returns at most, and bytes a write to the response takes. */
    int CHUNK = 16 * 1024;

    /** The port it listens on. */
    int port();

    /** What it is and how it is configured, with where that configuration comes from: one line. */
    String settings();

    /**
     * Starts the peer {@code id} (one of {@link #IDS}) on a free port of 127.0.0.1, with an accept
     * backlog of {@code backlog} and {@code SO_SNDBUF} of {@code sendBuffer} bytes on every
     * connection it accepts (the same setting on every peer, made the way each server offers). With {@code keepStalled} (the memory pass), a client that stops
     * reading must not be dropped while it is measured: only the library drops one that soon (its
     * min-rate, after a 5 s grace), so only its peers change, to min-rate=0; Jetty's idle timeout
     * (30 s) and Helidon's (5 minutes) are longer than the pass.
     */
    static Peer start(String id, int backlog, int sendBuffer, boolean keepStalled) throws Exception {
        return switch (id) {
            case JettyPeer.ID -> JettyPeer.start(backlog, sendBuffer);
            case HelidonPeer.ID -> HelidonPeer.start(backlog, sendBuffer);
            case UndertowPeer.VIRTUAL, UndertowPeer.BLOCKING, UndertowPeer.PULL_PUMP, UndertowPeer.TRANSPARENT,
                    UndertowPeer.PULL_PUMP_READ_AHEAD, UndertowPeer.PULL_PUMP_VIRTUAL_READS ->
                    UndertowPeer.start(id, backlog, sendBuffer, keepStalled);
            default -> throw new IllegalArgumentException("no peer \"" + id + "\"; the peers are " + IDS);
        };
    }

    /** The download's size from the value of its {@code size} parameter. */
    static long size(String value) {
        if (value == null) {
            throw new IllegalArgumentException("/bytes takes size=N");
        }
        return Long.parseLong(value);
    }

    /** The blocking source of a download: {@code size} pattern bytes, at most {@link #CHUNK} a read. */
    static InputStream body(long size) {
        return Pattern.stream(size).maxRead(CHUNK);
    }

    /** Copies a download of {@code size} bytes to {@code out}, blocking, one chunk a write. */
    static void copy(long size, OutputStream out) throws IOException {
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = body(size)) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        }
    }
}
