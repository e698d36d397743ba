/**
 * The test deployments for WildFly. {@code streaming-app}: a servlet extension that streams
 * downloads through the library, enabled on the host by the Undertow subsystem's custom-filter
 * and expression-filter; and a plain servlet and a Jakarta REST {@code StreamingOutput} resource
 * that know nothing of the library, each reachable with and without the host's
 * {@code dispatch=virtual} filter; and a servlet ({@link io.github.undertowstreaming.wildfly.EntryPointServlet},
 * at {@code /entry} and behind web.xml's constraint at {@code /protected}) and a resource that
 * stream through the servlet entry point. {@code own-executor-app}: {@link ThreadServlet} alone, in a
 * deployment that names an executor of its own in {@code jboss-web.xml}. Built as exploded WARs
 * by the integration-test module; not part of the library.
 */
package io.github.undertowstreaming.wildfly;
