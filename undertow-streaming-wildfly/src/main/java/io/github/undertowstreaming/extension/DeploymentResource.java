package io.github.undertowstreaming.extension;

import org.jboss.as.controller.AttributeDefinition;
import org.jboss.as.controller.ResourceDefinition;
import org.jboss.as.controller.SimpleAttributeDefinitionBuilder;
import org.jboss.as.controller.SubsystemRegistration;
import org.jboss.as.controller.descriptions.StandardResourceDescriptionResolver;
import org.jboss.as.controller.registry.ManagementResourceRegistration;
import org.jboss.dmr.ModelType;

/**
 * {@code /deployment=X/subsystem=undertow-streaming} (and {@code /deployment=X/subdeployment=Y/...}
 * in an EAR): a runtime resource per web deployment that the subsystem wraps, with the options in
 * effect there ({@code handler}, in the predicate language, {@code dispatch} resolved in this JVM,
 * and {@code predicate}) and the metrics of that deployment's handlers alone: {@code max-streams}
 * and {@code max-dispatched} act per deployment, so their counts are read per deployment.
 */
final class DeploymentResource {

    /** Written into the deployment's resource when it is wrapped (HandlerProcessor), read from there. */
    static final AttributeDefinition HANDLER = new SimpleAttributeDefinitionBuilder("handler", ModelType.STRING, false).build();
    static final AttributeDefinition PREDICATE = new SimpleAttributeDefinitionBuilder(Attributes.PREDICATE, ModelType.STRING, true).build();

    private DeploymentResource() {
    }

    static void register(SubsystemRegistration parent, HandlerStatistics statistics) {
        StandardResourceDescriptionResolver resolver = new StandardResourceDescriptionResolver(StreamingSubsystem.NAME + ".deployment",
                DeploymentResource.class.getPackage().getName() + ".LocalDescriptions", DeploymentResource.class.getClassLoader(), true, false);
        ManagementResourceRegistration registration = parent.registerDeploymentModel(
                ResourceDefinition.builder(StreamingSubsystem.REGISTRATION, resolver).asRuntime().build());
        registration.registerReadOnlyAttribute(HANDLER, null);
        registration.registerReadOnlyAttribute(PREDICATE, null);
        MetricHandler metrics = new MetricHandler(statistics, true);
        for (Metric m : Metric.values()) {
            registration.registerMetric(m.definition(), metrics);
        }
    }
}
