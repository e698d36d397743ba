/**
 * The benchmark's peers: Jetty 12.1 on virtual threads, Helidon 4 SE, and Undertow four ways (on
 * virtual threads the plain way, {@code BlockingHandler} on platform workers, the library's pull
 * pump and its transparent mode), each serving the same download and {@code /ping}, started one at
 * a time in a JVM of its own by the benchmark's peers section ({@link
 * io.github.undertowstreaming.peers.PeerServer}). Java 21 or later.
 */
package io.github.undertowstreaming.peers;
