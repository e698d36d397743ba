/**
 * The {@code undertow-streaming} subsystem for WildFly: {@code /subsystem=undertow-streaming}
 * holds the library's options as attributes (checked by the library itself), puts an
 * {@code AsyncStreamingHandler} in front of every web deployment, makes the library's API
 * visible to deployments, and shows the handlers' counters as runtime metrics.
 *
 * <p>Everything here is internal to the subsystem; users configure it through the management
 * model. The one class that touches WildFly's private API is {@link PrivateWildFlyApi}.
 */
package io.github.undertowstreaming.extension;
