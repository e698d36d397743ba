package io.github.undertowstreaming.demo;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.xnio.Pooled;

import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.spi.WebSocketHttpExchange;

/**
 * {@code /ws}: a WebSocket echo of text and binary messages. Its handshake is an upgrade request,
 * which {@link io.github.undertowstreaming.AsyncStreamingHandler}'s default skip list passes
 * straight through. Callbacks run on the channel's IO thread.
 */
final class EchoSocket implements WebSocketConnectionCallback {

    static final String PATH = "/ws";

    @Override
    public void onConnect(WebSocketHttpExchange exchange, WebSocketChannel channel) {
        channel.getReceiveSetter().set(new AbstractReceiveListener() {
            @Override
            protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                WebSockets.sendText(message.getData(), ch, null);
            }

            @Override
            protected void onFullBinaryMessage(WebSocketChannel ch, BufferedBinaryMessage message) throws IOException {
                ByteBuffer copy;
                try (Pooled<ByteBuffer[]> data = message.getData()) {
                    ByteBuffer[] parts = data.getResource();
                    int length = 0;
                    for (ByteBuffer part : parts) {
                        length += part.remaining();
                    }
                    copy = ByteBuffer.allocate(length);
                    for (ByteBuffer part : parts) {
                        copy.put(part);
                    }
                }
                WebSockets.sendBinary(copy.flip(), ch, null);
            }
        });
        channel.resumeReceives();
    }
}
