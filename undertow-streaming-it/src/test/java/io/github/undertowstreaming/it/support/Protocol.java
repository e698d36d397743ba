package io.github.undertowstreaming.it.support;

import java.util.List;

/**
 * The four ways a client reaches an {@link EdgeServer}, each with the curl options that select
 * it and the facts the server must observe for it ({@link EdgeServer#assertSaw}).
 */
public enum Protocol {
    /** Plain HTTP/1.1. */
    HTTP_1_1("http", "1.1", List.of("--http1.1")),
    /** h2c with prior knowledge: the connection starts with the HTTP/2 preface. */
    H2C_PRIOR_KNOWLEDGE("http", "2", List.of("--http2-prior-knowledge")),
    /**
     * h2c by upgrade: an HTTP/1.1 request with {@code Upgrade: h2c}, answered on stream 1 of the
     * upgraded connection. curl makes one connection per process, so every request is stream 1.
     */
    H2C_UPGRADE("http", "2", List.of("--http2")),
    /** HTTPS with ALPN h2. */
    TLS_H2("https", "2", List.of("--http2", "-k"));

    private final String scheme;
    private final String curlVersion;
    private final List<String> curlOptions;

    Protocol(String scheme, String curlVersion, List<String> curlOptions) {
        this.scheme = scheme;
        this.curlVersion = curlVersion;
        this.curlOptions = curlOptions;
    }

    public boolean isHttp2() {
        return this != HTTP_1_1;
    }

    public boolean isSecure() {
        return this == TLS_H2;
    }

    public String scheme() {
        return scheme;
    }

    /** What curl's {@code %{http_version}} says for a response over this protocol. */
    public String curlVersion() {
        return curlVersion;
    }

    /** The curl options that select this protocol. */
    public List<String> curlOptions() {
        return curlOptions;
    }
}
