/**
 * The test deployment for WildFly: a WAR whose servlet extension streams downloads through the
 * library, enabled on the host by the Undertow subsystem's custom-filter and expression-filter.
 * Built as an exploded WAR by the integration-test module; not part of the library.
 */
package io.github.undertowstreaming.wildfly;
