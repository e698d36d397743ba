package io.github.undertowstreaming.extension;

import java.util.List;

import org.jboss.as.server.deployment.Attachments;
import org.jboss.as.server.deployment.DeploymentPhaseContext;
import org.jboss.as.server.deployment.DeploymentUnit;
import org.jboss.as.server.deployment.DeploymentUnitProcessor;
import org.jboss.as.server.deployment.module.ModuleDependency;
import org.jboss.as.server.deployment.module.ModuleSpecification;
import org.jboss.as.server.deployment.module.ResourceRoot;
import org.jboss.modules.Module;
import org.jboss.modules.filter.PathFilters;

/**
 * Phase DEPENDENCIES: every web deployment sees the library's module (its API and the servlet
 * entry point), as if its {@code jboss-deployment-structure.xml} named it, with its services
 * imported (so that {@code async-streaming} is found in a deployment's
 * {@code undertow-handlers.conf}), and without its {@code internal} package. Other deployments
 * (EJB jars, RARs) are left alone. A web deployment that bundles a copy of the library of its own
 * keeps it: the module is not added, and the server says so ({@code UTSTREAM0232}).
 */
final class LibraryDependencyProcessor implements DeploymentUnitProcessor {

    /** The library's internals, which no deployment is given. */
    static final String INTERNAL = "io/github/undertowstreaming/internal";
    /** What a bundled copy of the library holds. */
    private static final String API_CLASS = "io/github/undertowstreaming/Streaming.class";

    @Override
    public void deploy(DeploymentPhaseContext context) {
        DeploymentUnit unit = context.getDeploymentUnit();
        ModuleSpecification spec = unit.getAttachment(Attachments.MODULE_SPECIFICATION);
        if (spec == null || !PrivateWildFlyApi.isWebDeployment(unit)) {
            return;
        }
        String bundled = bundledCopy(unit);
        if (bundled != null) {
            SubsystemLog.ROOT.bundledCopy(HandlerProcessor.key(unit), bundled);
            return;
        }
        spec.addSystemDependency(dependency());
    }

    /** The library's module, services imported, {@code internal} filtered out. */
    static ModuleDependency dependency() {
        ModuleDependency d = ModuleDependency.Builder.of(Module.getBootModuleLoader(), StreamingSubsystem.LIBRARY_MODULE)
                .setImportServices(true)
                .build();
        d.addImportFilter(PathFilters.isOrIsChildOf(INTERNAL), false);
        return d;
    }

    /** The path of a resource root of the deployment that holds the library's API, or null. */
    private static String bundledCopy(DeploymentUnit unit) {
        List<ResourceRoot> roots = unit.getAttachmentList(Attachments.RESOURCE_ROOTS);
        for (ResourceRoot r : roots) {
            if (r.getRoot() != null && r.getRoot().getChild(API_CLASS).exists()) {
                return r.getRoot().getPathNameRelativeTo(unit.getAttachment(Attachments.DEPLOYMENT_ROOT).getRoot());
            }
        }
        return null;
    }
}
