package io.github.undertowstreaming.extension;

import java.util.concurrent.atomic.AtomicReference;

import org.jboss.as.controller.OperationContext;
import org.jboss.as.controller.OperationFailedException;
import org.jboss.as.controller.ResourceDefinition;
import org.jboss.as.controller.SubsystemRegistration;
import org.jboss.as.controller.SubsystemResourceRegistration;
import org.jboss.as.controller.descriptions.ParentResourceDescriptionResolver;
import org.jboss.as.controller.descriptions.SubsystemResourceDescriptionResolver;
import org.jboss.as.controller.registry.ManagementResourceRegistration;
import org.jboss.as.controller.registry.OperationEntry;
import org.jboss.as.controller.registry.RuntimePackageDependency;
import org.jboss.as.server.DeploymentProcessorTarget;
import org.jboss.as.server.deployment.Phase;
import org.jboss.dmr.ModelNode;
import org.wildfly.subsystem.resource.ManagementResourceRegistrar;
import org.wildfly.subsystem.resource.ManagementResourceRegistrationContext;
import org.wildfly.subsystem.resource.ResourceDescriptor;
import org.wildfly.subsystem.resource.SubsystemResourceDefinitionRegistrar;
import org.wildfly.subsystem.resource.operation.ResourceOperationRuntimeHandler;

/**
 * {@code /subsystem=undertow-streaming}: its attributes ({@link Attributes}), its metrics
 * ({@link Metric}), and the deployment processors that apply it.
 *
 * <p>Adding or removing the subsystem and writing any attribute take effect on reload
 * ({@code restart-all-services}): the handlers are built when a deployment starts, and
 * deployment processors can only be registered while the server boots.
 */
final class StreamingSubsystem implements SubsystemResourceDefinitionRegistrar, ResourceOperationRuntimeHandler {

    static final String NAME = "undertow-streaming";
    static final SubsystemResourceRegistration REGISTRATION = SubsystemResourceRegistration.of(NAME);
    /** The JBoss module of the library, which every deployment is given. */
    static final String LIBRARY_MODULE = "io.github.undertowstreaming";
    /** The JBoss module of this extension. */
    static final String EXTENSION_MODULE = "io.github.undertowstreaming.extension";

    private static final ParentResourceDescriptionResolver RESOLVER = new SubsystemResourceDescriptionResolver(NAME, StreamingSubsystem.class);
    /** Among the APIs WildFly gives deployments, after DEPENDENCIES_MONGO_DRIVER (0x1F13), before DEPENDENCIES_APPLICATION_CLIENT (0x2000). */
    private static final int DEPENDENCIES_PRIORITY = 0x1F80;
    /** Any time after the module exists and before Undertow's deployment processor (phase INSTALL). */
    private static final int POST_MODULE_PRIORITY = 0x3880;

    /** Set by the add operation's runtime step (at boot), read by the deployment processors. */
    private final AtomicReference<SubsystemOptions> options = new AtomicReference<>();
    private final HandlerStatistics statistics = new HandlerStatistics();

    @Override
    public ManagementResourceRegistration register(SubsystemRegistration parent, ManagementResourceRegistrationContext context) {
        ManagementResourceRegistration registration = parent.registerSubsystemModel(
                ResourceDefinition.builder(REGISTRATION, RESOLVER).build());
        ResourceDescriptor descriptor = ResourceDescriptor.builder(RESOLVER)
                .addAttributes(Attributes.OPTIONS)
                .withRuntimeHandler(this)
                .withAddOperationRestartFlag(OperationEntry.Flag.RESTART_ALL_SERVICES)
                .withRemoveOperationRestartFlag(OperationEntry.Flag.RESTART_ALL_SERVICES)
                .withDeploymentChainContributor(this::addDeploymentProcessors)
                .build();
        ManagementResourceRegistrar.of(descriptor).register(registration);
        MetricHandler metrics = new MetricHandler(statistics);
        for (Metric m : Metric.values()) {
            registration.registerMetric(m.definition(), metrics);
        }
        registration.registerAdditionalRuntimePackages(RuntimePackageDependency.required(LIBRARY_MODULE));
        return registration;
    }

    private void addDeploymentProcessors(DeploymentProcessorTarget target) {
        target.addDeploymentProcessor(NAME, Phase.DEPENDENCIES, DEPENDENCIES_PRIORITY, new LibraryDependencyProcessor());
        target.addDeploymentProcessor(NAME, Phase.POST_MODULE, POST_MODULE_PRIORITY, new HandlerProcessor(options::get, statistics));
    }

    /** Checks the whole model with the library (expressions resolved) and keeps it for the deployments. */
    @Override
    public void addRuntime(OperationContext context, ModelNode model) throws OperationFailedException {
        options.set(Attributes.options(context, model));
    }

    @Override
    public void removeRuntime(OperationContext context, ModelNode model) {
        options.set(null);
    }
}
