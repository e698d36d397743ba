package io.github.undertowstreaming.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.jboss.as.server.deployment.module.FilterSpecification;
import org.jboss.as.server.deployment.module.ModuleDependency;
import org.junit.jupiter.api.Test;

/**
 * What web deployments are given: the library's module, its services imported, its
 * {@code internal} package not. (Which deployments get it, and a bundled copy kept, are decided
 * on the deployment unit, in a real server.)
 */
class LibraryDependencyProcessorTest {

    @Test
    void webDeploymentsSeeTheLibrarysApiWithItsServicesButNotItsInternals() {
        ModuleDependency d = LibraryDependencyProcessor.dependency();
        assertEquals(StreamingSubsystem.LIBRARY_MODULE, d.getDependencyModule());
        assertEquals(true, d.isImportServices());
        assertEquals(1, d.getImportFilters().size());
        FilterSpecification internal = d.getImportFilters().get(0);
        assertFalse(internal.isInclude(), "an exclusion");
        assertEquals(true, internal.getPathFilter().accept("io/github/undertowstreaming/internal"));
        assertEquals(false, internal.getPathFilter().accept("io/github/undertowstreaming"));
        assertEquals(false, internal.getPathFilter().accept("io/github/undertowstreaming/servlet"));
    }
}
