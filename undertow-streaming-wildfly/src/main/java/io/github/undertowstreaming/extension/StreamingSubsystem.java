package io.github.undertowstreaming.extension;

import java.util.concurrent.atomic.AtomicReference;

import org.jboss.as.controller.OperationContext;
import org.jboss.as.controller.OperationFailedException;
import org.jboss.as.controller.capability.RuntimeCapability;
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
import org.jboss.as.server.suspend.SuspendableActivityRegistry;
import org.jboss.as.server.suspend.SuspensionStateProvider;
import org.jboss.dmr.ModelNode;
import org.wildfly.subsystem.resource.ManagementResourceRegistrar;
import org.wildfly.subsystem.resource.ManagementResourceRegistrationContext;
import org.wildfly.subsystem.resource.ResourceDescriptor;
import org.wildfly.subsystem.resource.SubsystemResourceDefinitionRegistrar;
import org.wildfly.subsystem.resource.operation.ResourceOperationRuntimeHandler;
import org.wildfly.subsystem.service.ResourceServiceConfigurator;
import org.wildfly.subsystem.service.ResourceServiceInstaller;
import org.wildfly.subsystem.service.ServiceDependency;
import org.wildfly.subsystem.service.capability.CapabilityServiceInstaller;

/**
 * {@code /subsystem=undertow-streaming}: its attributes ({@link Attributes}), its metrics
 * ({@link Metric}), and the deployment processors that apply it.
 *
 * <p>Adding or removing the subsystem and writing any attribute take effect on reload
 * ({@code restart-all-services}): the handlers are built when a deployment starts, and
 * deployment processors can only be registered while the server boots.
 */
final class StreamingSubsystem implements SubsystemResourceDefinitionRegistrar, ResourceServiceConfigurator {

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

    /**
     * The subsystem's capability. It requires Undertow's ({@code org.wildfly.undertow}), so that a
     * configuration without the Undertow subsystem fails at boot naming what is missing; its
     * service registers the subsystem's part in suspend and graceful shutdown ({@link Suspension}).
     */
    static final RuntimeCapability<Void> CAPABILITY = RuntimeCapability.Builder.of("io.github.undertowstreaming." + NAME, Suspension.class)
            .addRequirements("org.wildfly.undertow")
            .build();

    /** Set by the add operation's runtime step (at boot), read by the deployment processors. */
    private final AtomicReference<SubsystemOptions> options = new AtomicReference<>();
    private final HandlerStatistics statistics = new HandlerStatistics();
    private final Suspension suspension = new Suspension();

    @Override
    public ManagementResourceRegistration register(SubsystemRegistration parent, ManagementResourceRegistrationContext context) {
        ManagementResourceRegistration registration = parent.registerSubsystemModel(
                ResourceDefinition.builder(REGISTRATION, RESOLVER).build());
        ResourceDescriptor descriptor = ResourceDescriptor.builder(RESOLVER)
                .addAttributes(Attributes.ALL)
                .addCapability(CAPABILITY)
                .withRuntimeHandler(ResourceOperationRuntimeHandler.combine(ResourceOperationRuntimeHandler.configureService(this),
                        new ResourceOperationRuntimeHandler() {
                            @Override
                            public void addRuntime(OperationContext context, ModelNode model) {
                                // the options were kept by configure, which the service's installation needed first
                            }

                            @Override
                            public void removeRuntime(OperationContext context, ModelNode model) {
                                options.set(null);
                            }
                        }))
                .withAddOperationRestartFlag(OperationEntry.Flag.RESTART_ALL_SERVICES)
                .withRemoveOperationRestartFlag(OperationEntry.Flag.RESTART_ALL_SERVICES)
                .withDeploymentChainContributor(this::addDeploymentProcessors)
                .build();
        ManagementResourceRegistrar.of(descriptor).register(registration);
        MetricHandler metrics = new MetricHandler(statistics, false);
        for (Metric m : Metric.values()) {
            registration.registerMetric(m.definition(), metrics);
        }
        registration.registerMetric(MetricHandler.REFUSED_WHILE_SUSPENDED, MetricHandler.of(suspension::refused));
        DeploymentResource.register(parent, statistics);
        registration.registerAdditionalRuntimePackages(RuntimePackageDependency.required(LIBRARY_MODULE));
        return registration;
    }

    private void addDeploymentProcessors(DeploymentProcessorTarget target) {
        target.addDeploymentProcessor(NAME, Phase.DEPENDENCIES, DEPENDENCIES_PRIORITY, new LibraryDependencyProcessor());
        target.addDeploymentProcessor(NAME, Phase.POST_MODULE, POST_MODULE_PRIORITY,
                new HandlerProcessor(options::get, statistics, suspension));
    }

    /**
     * Checks the whole model with the library (expressions resolved), keeps it for the
     * deployments, and installs the capability's service: it registers {@link Suspension} with
     * the server's suspend controller (in the state the server is in) and logs the boot line.
     */
    @Override
    public ResourceServiceInstaller configure(OperationContext context, ModelNode model) throws OperationFailedException {
        SubsystemOptions o = Attributes.options(context, model);
        options.set(o);
        ServiceDependency<SuspendableActivityRegistry> registry = ServiceDependency.on(SuspendableActivityRegistry.SERVICE_DESCRIPTOR);
        return CapabilityServiceInstaller.builder(CAPABILITY, suspension)
                .requires(registry)
                .onStart(s -> {
                    SuspendableActivityRegistry r = registry.get();
                    s.initialState(r.getState() != SuspensionStateProvider.State.RUNNING);
                    r.registerActivity(s);
                    SubsystemLog.ROOT.activating(libraryVersion(), o.describe(),
                            o.predicate() == null ? "every web deployment" : "the requests of web deployments that its predicate matches");
                })
                .onStop(s -> registry.get().unregisterActivity(s))
                .build();
    }

    /** The library's version from its jar's manifest, or "unknown version". */
    private static String libraryVersion() {
        String v = io.github.undertowstreaming.StreamingOptions.class.getPackage().getImplementationVersion();
        return v == null ? "unknown version" : v;
    }
}
