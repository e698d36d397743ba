package io.github.undertowstreaming.extension;

import org.jboss.as.server.deployment.Attachments;
import org.jboss.as.server.deployment.DeploymentPhaseContext;
import org.jboss.as.server.deployment.DeploymentUnitProcessor;
import org.jboss.as.server.deployment.module.ModuleDependency;
import org.jboss.as.server.deployment.module.ModuleSpecification;
import org.jboss.modules.Module;

/**
 * Phase DEPENDENCIES: every deployment sees the library's module, as if its
 * {@code jboss-deployment-structure.xml} named it, with its services imported (so that
 * {@code async-streaming} is found in a deployment's {@code undertow-handlers.conf}).
 */
final class LibraryDependencyProcessor implements DeploymentUnitProcessor {

    @Override
    public void deploy(DeploymentPhaseContext context) {
        ModuleSpecification spec = context.getDeploymentUnit().getAttachment(Attachments.MODULE_SPECIFICATION);
        if (spec == null) {
            return;
        }
        spec.addSystemDependency(ModuleDependency.Builder.of(Module.getBootModuleLoader(), StreamingSubsystem.LIBRARY_MODULE)
                .setImportServices(true)
                .build());
    }
}
