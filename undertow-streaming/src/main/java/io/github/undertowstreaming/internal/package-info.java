/**
 * The pump and its Undertow glue. Not an API: anything here may change in any release.
 */
package io.github.undertowstreaming.internal;
