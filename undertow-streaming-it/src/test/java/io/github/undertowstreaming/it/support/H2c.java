package io.github.undertowstreaming.it.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A minimal HTTP/2 client, frame by frame, for what curl cannot show or do: which frames the
 * server sends after the client reset a stream; a client that grants no more window. Over h2c with
 * prior knowledge ({@link #connect}), or over any of the three HTTP/2 ways in ({@link #open}: also
 * the h2c upgrade and TLS with ALPN h2). It sends requests with HPACK literals (no table) and
 * acknowledges the server's SETTINGS; it opens flow-control windows only when asked to.
 */
public final class H2c implements AutoCloseable {

    public static final int DATA = 0;
    public static final int HEADERS = 1;
    public static final int RST_STREAM = 3;
    public static final int SETTINGS = 4;
    public static final int PING = 6;
    public static final int GOAWAY = 7;
    public static final int WINDOW_UPDATE = 8;

    public static final int END_STREAM = 0x1;
    public static final int ACK = 0x1;
    public static final int END_HEADERS = 0x4;

    public static final int CANCEL = 0x8;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as it came off the wire. */
    public record Frame(int type, int flags, int stream, byte[] payload) {
        public boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** For HEADERS: the status if the block starts with an indexed static :status, else -1. */
        public int status() {
            for (byte b : payload) {
                int v = b & 0xff;
                if ((v & 0xe0) == 0x20) {
                    continue; // dynamic table size update
                }
                switch (v) {
                    case 0x88: return 200;
                    case 0x89: return 204;
                    case 0x8a: return 206;
                    case 0x8b: return 304;
                    case 0x8c: return 400;
                    case 0x8d: return 404;
                    case 0x8e: return 500;
                    default: return -1;
                }
            }
            return -1;
        }

        @Override
        public String toString() {
            String[] names = {"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING",
                "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"};
            return (type < names.length ? names[type] : "TYPE" + type) + "[stream " + stream + ", flags 0x"
                    + Integer.toHexString(flags) + ", " + payload.length + " bytes]";
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final boolean secure;

    private H2c(Socket socket) throws IOException {
        this.socket = socket;
        this.secure = socket instanceof SSLSocket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Connects and sends the preface and SETTINGS; with {@code bigWindow}, the largest windows
     * (SETTINGS_INITIAL_WINDOW_SIZE for streams, a WINDOW_UPDATE for the connection), so that the
     * server is never held back by flow control.
     */
    public static H2c connect(int port, boolean bigWindow) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return start(new H2c(s), bigWindow);
    }

    private static H2c start(H2c c, boolean bigWindow) throws IOException {
        c.out.write(PREFACE);
        if (bigWindow) {
            byte[] initialWindow = {0, 4, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
            c.frame(SETTINGS, 0, 0, initialWindow);
            c.frame(WINDOW_UPDATE, 0, 0, int32(0x7fffffff - 65_535));
        } else {
            c.frame(SETTINGS, 0, 0, new byte[0]);
        }
        return c;
    }

    /**
     * As {@link #connect}, over TLS with ALPN h2 (trusting the test server's certificate), with
     * {@code receiveBuffer} bytes of socket buffer if positive.
     */
    public static H2c connectTls(int port, boolean bigWindow, int receiveBuffer) throws IOException {
        return start(new H2c(tls(port, receiveBuffer)), bigWindow);
    }

    /** A TLS socket to 127.0.0.1:port that agreed on h2 by ALPN, handshake done. */
    private static SSLSocket tls(int port, int receiveBuffer) throws IOException {
        SSLSocket s = (SSLSocket) Tls.clientContext().getSocketFactory().createSocket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        SSLParameters p = s.getSSLParameters();
        p.setApplicationProtocols(new String[] {"h2"});
        s.setSSLParameters(p);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(5000);
        s.startHandshake();
        if (!"h2".equals(s.getApplicationProtocol())) {
            s.close();
            throw new IOException("ALPN chose '" + s.getApplicationProtocol() + "', not h2");
        }
        return s;
    }

    /**
     * Connects over {@code protocol} (one of the HTTP/2 ones), announces a stream window of
     * {@code streamWindow} bytes (SETTINGS_INITIAL_WINDOW_SIZE; the connection's stays 65,535) and
     * requests {@code GET path} on stream 1: with the h2c upgrade, as the HTTP/1.1 request that
     * the 101 turns into stream 1. The client never grants more window unless asked to.
     */
    public static H2c open(Protocol protocol, int port, int streamWindow, String path) throws IOException {
        byte[] settings = {0, 4, (byte) (streamWindow >>> 24), (byte) (streamWindow >>> 16),
            (byte) (streamWindow >>> 8), (byte) streamWindow};
        Socket s;
        switch (protocol) {
            case H2C_PRIOR_KNOWLEDGE:
            case H2C_UPGRADE:
                s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                break;
            case TLS_H2:
                s = tls(port, 0);
                break;
            default:
                throw new IllegalArgumentException(protocol + " is not HTTP/2");
        }
        H2c c = new H2c(s);
        if (protocol == Protocol.H2C_UPGRADE) {
            c.upgrade(path, settings);
        }
        c.out.write(PREFACE);
        c.frame(SETTINGS, 0, 0, settings);
        if (protocol != Protocol.H2C_UPGRADE) {
            c.request(1, "GET", path);
        }
        return c;
    }

    /** Sends {@code GET path} as an HTTP/1.1 request that asks for h2c, and reads the 101. */
    private void upgrade(String path, byte[] settings) throws IOException {
        String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + socket.getPort()
                + "\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: "
                + Base64.getUrlEncoder().withoutPadding().encodeToString(settings) + "\r\n\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        socket.setSoTimeout(5000);
        String status = line();
        if (!status.startsWith("HTTP/1.1 101 ")) {
            throw new IOException("the server did not switch to h2c: " + status);
        }
        while (!line().isEmpty()) {
            // the 101's headers
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("the connection closed in a response head");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    /** Sends a request without a body on {@code stream}. */
    public void request(int stream, String method, String path) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        if (method.equals("GET")) {
            block.write(0x82); // :method GET, static index 2
        } else {
            literal(block, 2, method); // literal value, name :method
        }
        block.write(secure ? 0x87 : 0x86); // :scheme https or http
        literal(block, 4, path); // :path
        literal(block, 1, "127.0.0.1:" + socket.getPort()); // :authority
        frame(HEADERS, END_HEADERS | END_STREAM, stream, block.toByteArray());
    }

    /** Grants the server {@code increment} more bytes on {@code stream} (0: the connection). */
    public void windowUpdate(int stream, int increment) throws IOException {
        frame(WINDOW_UPDATE, 0, stream, int32(increment));
    }

    public void rstStream(int stream, int errorCode) throws IOException {
        frame(RST_STREAM, 0, stream, int32(errorCode));
    }

    public void ping(long opaque) throws IOException {
        byte[] p = new byte[8];
        for (int i = 0; i < 8; i++) {
            p[i] = (byte) (opaque >>> (56 - 8 * i));
        }
        frame(PING, 0, 0, p);
    }

    /**
     * The next frame, waiting at most {@code deadline}; SETTINGS from the server are acknowledged
     * and returned too. Throws {@link SocketTimeoutException} when the deadline passes.
     */
    public Frame read(Duration deadline) throws IOException {
        socket.setSoTimeout((int) Math.max(1, deadline.toMillis()));
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        Frame f = new Frame(type, flags, stream, payload);
        if (type == SETTINGS && (flags & ACK) == 0) {
            frame(SETTINGS, ACK, 0, new byte[0]);
        }
        return f;
    }

    /** Resets the TCP connection. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] h = new byte[9];
        h[0] = (byte) (payload.length >>> 16);
        h[1] = (byte) (payload.length >>> 8);
        h[2] = (byte) payload.length;
        h[3] = (byte) type;
        h[4] = (byte) flags;
        System.arraycopy(int32(stream), 0, h, 5, 4);
        out.write(h);
        out.write(payload);
        out.flush();
    }

    /** A literal header field without indexing, with an indexed name (4-bit prefix, index < 15). */
    private static void literal(ByteArrayOutputStream block, int nameIndex, String value) {
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        if (v.length >= 127) {
            throw new IllegalArgumentException("value too long for this tiny encoder: " + value);
        }
        block.write(nameIndex);
        block.write(v.length);
        block.write(v, 0, v.length);
    }

    private static byte[] int32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}
