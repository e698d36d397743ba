/**
 * The servlet entry point of undertow-streaming: {@link io.github.undertowstreaming.servlet.ServletStreaming#send}
 * streams a body from servlet code through the library's pump, behind the servlet layer. Needs
 * Undertow's servlet layer (embedded {@code io.undertow:undertow-servlet}, or WildFly's).
 */
package io.github.undertowstreaming.servlet;
