/**
 * The benchmark: {@link io.github.undertowstreaming.bench.Benchmark} starts demo servers with
 * chosen worker threads, socket buffers and streaming options, drives them from clients in the
 * same JVM (paced NIO clients on one selector thread, a pinger, keep-alive request loops), and
 * writes {@code results.json}, {@code results.md} and {@code results.png}. Every figure in a
 * results file comes from the one run that wrote it.
 */
package io.github.undertowstreaming.bench;
