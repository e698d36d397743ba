package io.github.undertowstreaming.peers;

import java.io.OutputStream;

import io.helidon.common.Version;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;

/**
 * Helidon 4 SE: its {@link WebServer} runs every connection and its requests on virtual threads,
 * by design, with nothing to configure for it. The download writes to the response's blocking
 * {@code outputStream()}.
 */
final class HelidonPeer implements Peer {

    static final String ID = "helidon";

    private final WebServer server;

    private HelidonPeer(WebServer server) {
        this.server = server;
    }

    static HelidonPeer start(int backlog, int sendBuffer) {
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .backlog(backlog)
                .connectionOptions(socket -> socket.socketSendBufferSize(sendBuffer))
                .routing(routing -> routing
                        .get("/bytes", (req, res) -> {
                            long size = Peer.size(req.query().first("size").orElse(null));
                            res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
                            res.headers().contentLength(size);
                            try (OutputStream out = res.outputStream()) {
                                Peer.copy(size, out);
                            }
                        })
                        .get("/ping", (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                                .send("pong")))
                .build()
                .start();
        return new HelidonPeer(server);
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public String settings() {
        return "Helidon " + Version.VERSION + " SE: WebServer.builder() with its defaults (a virtual thread per connection"
                + " and its requests, no limit on concurrent requests, a 4,096-byte write buffer) but host, port, backlog and the"
                + " connections' send buffer (connectionOptions' socketSendBufferSize);"
                + " HttpRouting get() handlers, the download writing to"
                + " res.outputStream() (sources: https://helidon.io/docs/latest/se/introduction and"
                + " webserver/webserver/src/main/java/io/helidon/webserver/ListenerConfigBlueprint.java and"
                + " ExecutorsFactory.java of helidon-io/helidon, tag 4.5.0)";
    }

}
