package io.github.undertowstreaming.it.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for the clients that matter here: slow, rude, or sending headers
 * that the JDK client refuses to send. The socket's receive buffer can be made small, so that
 * the server meets back-pressure instead of the kernel swallowing the whole body.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private int status;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 8192);
    }

    /** Connects to 127.0.0.1:port; {@code receiveBuffer} bytes of socket buffer if positive. */
    public static RawHttp connect(int port, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.setSoTimeout(30_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return new RawHttp(s);
    }

    /**
     * Connects to 127.0.0.1:port over TLS (HTTP/1.1, trusting the test server's certificate), with
     * {@code receiveBuffer} bytes of socket buffer if positive; the handshake is done on return.
     */
    public static RawHttp connectTls(int port, int receiveBuffer) throws IOException {
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) Tls.clientContext().getSocketFactory().createSocket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.setSoTimeout(30_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        javax.net.ssl.SSLParameters p = s.getSSLParameters();
        p.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(p);
        s.startHandshake();
        return new RawHttp(s);
    }

    /** Sends {@code GET path} with the extra header lines given, and reads the response head. */
    public RawHttp get(String path, String... headerLines) throws IOException {
        return request("GET", path, headerLines);
    }

    public RawHttp request(String method, String path, String... headerLines) throws IOException {
        StringBuilder req = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headerLines) {
            req.append(h).append("\r\n");
        }
        req.append("\r\n");
        socket.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        String statusLine = line();
        status = Integer.parseInt(statusLine.split(" ")[1]);
        headers.clear();
        for (String l; !(l = line()).isEmpty(); ) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        return this;
    }

    public int status() {
        return status;
    }

    /** A response header by lower-case name, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /** The raw bytes after the head, as they come off the socket. */
    public InputStream raw() {
        return in;
    }

    /**
     * The body, framed as the head says: chunked, Content-Length, or up to the close. A chunked
     * or fixed-length body that ends early throws {@link EOFException}: the client can tell.
     */
    public InputStream body() {
        if ("chunked".equalsIgnoreCase(header("transfer-encoding"))) {
            return new Chunked(in);
        }
        String length = header("content-length");
        if (length != null) {
            return new Fixed(in, Long.parseLong(length));
        }
        return in;
    }

    /** Resets the connection (RST), as a client that crashed or was killed. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new EOFException("connection closed in the response head");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private final class Chunked extends BodyStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line();
                left = Long.parseLong(size.split(";")[0].trim(), 16);
                if (left == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("connection closed inside a chunk: the body is incomplete");
            }
            left -= n;
            if (left == 0 && !line().isEmpty()) {
                throw new IOException("bad chunk end");
            }
            return n;
        }
    }

    private static final class Fixed extends BodyStream {
        private final InputStream in;
        private long left;

        Fixed(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException(left + " bytes short of the Content-Length: the body is incomplete");
            }
            left -= n;
            return n;
        }
    }

    /** A body stream: everything reads through {@code read(byte[], int, int)}. */
    private abstract static class BodyStream extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }
}
