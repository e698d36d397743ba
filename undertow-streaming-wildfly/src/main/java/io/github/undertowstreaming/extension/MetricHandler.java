package io.github.undertowstreaming.extension;

import org.jboss.as.controller.AbstractRuntimeOnlyHandler;
import org.jboss.as.controller.OperationContext;
import org.jboss.as.controller.OperationFailedException;
import org.jboss.as.controller.PathAddress;
import org.jboss.as.controller.PathElement;
import org.jboss.as.controller.descriptions.ModelDescriptionConstants;
import org.jboss.dmr.ModelNode;

/**
 * {@code read-attribute} of a {@link Metric}, on the subsystem (every deployment) or on a
 * deployment's resource (that deployment's handlers): the counters at that moment, or undefined
 * while the subsystem's {@code statistics-enabled} is false.
 */
final class MetricHandler extends AbstractRuntimeOnlyHandler {

    private static final PathAddress SUBSYSTEM = PathAddress.pathAddress(ModelDescriptionConstants.SUBSYSTEM, StreamingSubsystem.NAME);

    private final HandlerStatistics statistics;
    private final boolean perDeployment;

    MetricHandler(HandlerStatistics statistics, boolean perDeployment) {
        this.statistics = statistics;
        this.perDeployment = perDeployment;
    }

    @Override
    protected void executeRuntimeStep(OperationContext context, ModelNode operation) throws OperationFailedException {
        ModelNode subsystem = context.readResourceFromRoot(SUBSYSTEM, false).getModel();
        if (!Attributes.STATISTICS_ENABLED.resolveModelAttribute(context, subsystem).asBoolean()) {
            return; // undefined, as WildFly's own metrics with statistics off
        }
        Metric metric = Metric.named(operation.require(ModelDescriptionConstants.NAME).asString());
        if (!perDeployment) {
            context.getResult().set(statistics.value(metric));
            return;
        }
        long v = statistics.value(deploymentKey(context.getCurrentAddress()), metric);
        if (v >= 0) {
            context.getResult().set(v);
        }
    }

    /** {@code app.war}, or {@code app.ear/web.war} for a subdeployment: how {@link HandlerProcessor} names it. */
    static String deploymentKey(PathAddress address) {
        StringBuilder key = new StringBuilder();
        for (PathElement e : address) {
            if (e.getKey().equals(ModelDescriptionConstants.DEPLOYMENT) || e.getKey().equals(ModelDescriptionConstants.SUBDEPLOYMENT)) {
                key.append(key.length() == 0 ? "" : "/").append(e.getValue());
            }
        }
        return key.toString();
    }
}
