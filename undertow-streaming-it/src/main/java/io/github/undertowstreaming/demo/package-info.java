/**
 * The demo server: {@link io.github.undertowstreaming.demo.DemoServer} starts an embedded Undertow
 * on 127.0.0.1 with {@link io.github.undertowstreaming.AsyncStreamingHandler} outermost and the
 * routes of {@link io.github.undertowstreaming.demo.DemoRoutes}, one implementation each, which
 * the benchmark starts too; HTTP/1.1 and h2c, HTTPS with h2 ({@code --tls}), and transparent
 * mode ({@code --dispatch virtual}). {@link io.github.undertowstreaming.demo.Pattern} is the body
 * that the demo, the benchmark and the tests share.
 */
package io.github.undertowstreaming.demo;
