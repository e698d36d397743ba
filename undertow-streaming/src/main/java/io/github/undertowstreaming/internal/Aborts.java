package io.github.undertowstreaming.internal;

import java.io.IOException;

import org.xnio.IoUtils;
import org.xnio.Options;

import io.undertow.server.ServerConnection;

/** Closing a connection, abortively when a client is dropped as too slow. */
final class Aborts {

    private Aborts() {
    }

    /**
     * Closes {@code connection}; {@code abortively}: with {@code Options.CLOSE_ABORT} first
     * (SO_LINGER 0: XNIO's {@code NioSocketStreamConnection.setOption} sets it on the socket, and
     * Undertow's TLS connection hands it down), so that the close sends RST and the kernel drops
     * what it still held for the client instead of trying to deliver it, as Kestrel does for a
     * client below its minimum data rate. Any thread.
     */
    static void close(ServerConnection connection, boolean abortively) {
        if (abortively) {
            try {
                connection.setOption(Options.CLOSE_ABORT, Boolean.TRUE);
            } catch (IOException | RuntimeException e) {
                // closed already, or no socket below: closed plainly
            }
        }
        IoUtils.safeClose(connection);
    }
}
