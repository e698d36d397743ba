package io.github.undertowstreaming.extension;

import java.util.function.LongSupplier;

import org.jboss.as.controller.AbstractRuntimeOnlyHandler;
import org.jboss.as.controller.AttributeDefinition;
import org.jboss.as.controller.OperationContext;
import org.jboss.as.controller.OperationFailedException;
import org.jboss.as.controller.PathAddress;
import org.jboss.as.controller.PathElement;
import org.jboss.as.controller.SimpleAttributeDefinitionBuilder;
import org.jboss.as.controller.descriptions.ModelDescriptionConstants;
import org.jboss.as.controller.registry.AttributeAccess;
import org.jboss.dmr.ModelNode;
import org.jboss.dmr.ModelType;

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

    /**
     * The subsystem's counter {@code refused-while-suspended}: streams answered 503 because the
     * server was suspending or suspended (see {@link Suspension}); server-wide, as suspension is.
     */
    static final AttributeDefinition REFUSED_WHILE_SUSPENDED = new SimpleAttributeDefinitionBuilder(
            "refused-while-suspended", ModelType.LONG, true)
            .setStorageRuntime()
            .addFlag(AttributeAccess.Flag.COUNTER_METRIC)
            .build();

    /** {@code read-attribute} of a server-wide counter that is not one of the handlers' ({@link #REFUSED_WHILE_SUSPENDED}). */
    static AbstractRuntimeOnlyHandler of(LongSupplier counter) {
        return new AbstractRuntimeOnlyHandler() {
            @Override
            protected void executeRuntimeStep(OperationContext context, ModelNode operation) throws OperationFailedException {
                if (statisticsEnabled(context)) {
                    context.getResult().set(counter.getAsLong());
                }
            }
        };
    }

    private static boolean statisticsEnabled(OperationContext context) throws OperationFailedException {
        ModelNode subsystem = context.readResourceFromRoot(SUBSYSTEM, false).getModel();
        return Attributes.STATISTICS_ENABLED.resolveModelAttribute(context, subsystem).asBoolean();
    }

    @Override
    protected void executeRuntimeStep(OperationContext context, ModelNode operation) throws OperationFailedException {
        if (!statisticsEnabled(context)) {
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
