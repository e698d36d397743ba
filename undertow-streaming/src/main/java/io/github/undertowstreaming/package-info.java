/**
 * Stream blocking response bodies through Undertow without blocking an IO thread and without
 * holding a worker thread while a client is slow to read.
 *
 * <ul>
 *   <li>{@link io.github.undertowstreaming.StreamingBody}: what to send, a blocking pull source.</li>
 *   <li>{@link io.github.undertowstreaming.Streaming#send}: hands a body to an exchange.</li>
 *   <li>{@link io.github.undertowstreaming.AsyncStreamingHandler}: the outermost handler; its
 *       skip list passes protocol upgrades and other exchanges straight through.</li>
 *   <li>{@link io.github.undertowstreaming.StreamingOptions}: chunk size, read-ahead, read
 *       budget, executor, skip list.</li>
 * </ul>
 */
package io.github.undertowstreaming;
