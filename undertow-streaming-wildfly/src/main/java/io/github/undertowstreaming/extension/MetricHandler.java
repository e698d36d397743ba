package io.github.undertowstreaming.extension;

import org.jboss.as.controller.AbstractRuntimeOnlyHandler;
import org.jboss.as.controller.OperationContext;
import org.jboss.as.controller.descriptions.ModelDescriptionConstants;
import org.jboss.dmr.ModelNode;

/** {@code read-attribute} of a {@link Metric}: reads the counters at that moment. */
final class MetricHandler extends AbstractRuntimeOnlyHandler {

    private final HandlerStatistics statistics;

    MetricHandler(HandlerStatistics statistics) {
        this.statistics = statistics;
    }

    @Override
    protected void executeRuntimeStep(OperationContext context, ModelNode operation) {
        Metric metric = Metric.named(operation.require(ModelDescriptionConstants.NAME).asString());
        context.getResult().set(statistics.value(metric));
    }
}
