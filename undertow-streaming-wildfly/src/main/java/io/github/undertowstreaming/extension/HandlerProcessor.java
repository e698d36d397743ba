package io.github.undertowstreaming.extension;

import java.util.function.Supplier;

import org.jboss.as.server.deployment.AttachmentKey;
import org.jboss.as.server.deployment.Attachments;
import org.jboss.as.server.deployment.DeploymentResourceSupport;
import org.jboss.as.server.deployment.DeploymentPhaseContext;
import org.jboss.as.server.deployment.DeploymentUnit;
import org.jboss.as.server.deployment.DeploymentUnitProcessingException;
import org.jboss.as.server.deployment.DeploymentUnitProcessor;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.internal.OptionsText;
import io.github.undertowstreaming.internal.StreamAdmission;
import org.jboss.dmr.ModelNode;

import io.undertow.Handlers;
import io.undertow.predicate.Predicate;
import io.undertow.server.HttpHandler;
import io.undertow.servlet.ServletExtension;
import io.undertow.servlet.api.DeploymentInfo;
import jakarta.servlet.ServletContext;

/**
 * Phase POST_MODULE (before Undertow's deployment processor in INSTALL): puts an
 * {@link AsyncStreamingHandler} with the subsystem's options in front of each web deployment,
 * outermost in its handler chain (see {@link PrivateWildFlyApi}); with a {@code predicate}, only
 * matching requests pass through it. When the deployment goes, its handlers' counts are kept.
 */
final class HandlerProcessor implements DeploymentUnitProcessor {

    private static final AttachmentKey<DeploymentWrapper> HANDLERS = AttachmentKey.create(DeploymentWrapper.class);

    private final Supplier<SubsystemOptions> options;
    private final HandlerStatistics statistics;
    private final StreamAdmission admission;

    /** {@code admission}: what every stream of a wrapped deployment passes first (the subsystem's {@link Suspension}). */
    HandlerProcessor(Supplier<SubsystemOptions> options, HandlerStatistics statistics, StreamAdmission admission) {
        this.options = options;
        this.statistics = statistics;
        this.admission = admission;
    }

    /**
     * Wraps a web deployment; any other is left alone. Fails the deployment, with the library's
     * message, when the options cannot be applied in this JVM ({@code dispatch=virtual} without
     * virtual threads): the deployments are what would run on them.
     */
    @Override
    public void deploy(DeploymentPhaseContext context) throws DeploymentUnitProcessingException {
        SubsystemOptions o = options.get();
        if (o == null) {
            return; // no subsystem runtime: the subsystem was not added at boot, or was removed
        }
        DeploymentUnit unit = context.getDeploymentUnit();
        if (!PrivateWildFlyApi.isWebDeployment(unit)) {
            return;
        }
        StreamingOptions streaming;
        try {
            streaming = o.streaming();
        } catch (IllegalArgumentException e) {
            throw SubsystemMessages.MESSAGES.cannotWrap(unit.getName(), e.getMessage(), e);
        }
        String key = key(unit);
        DeploymentWrapper handlers = new DeploymentWrapper(key, streaming, o.predicate(), statistics, admission);
        unit.putAttachment(HANDLERS, handlers);
        PrivateWildFlyApi.addServletExtension(unit, handlers);
        DeploymentResourceSupport resources = unit.getAttachment(Attachments.DEPLOYMENT_RESOURCE_SUPPORT);
        if (resources != null) {
            // /deployment=X/subsystem=undertow-streaming: the options in effect; its metrics are read from the handlers
            ModelNode model = resources.getDeploymentSubsystemModel(StreamingSubsystem.NAME);
            model.get(DeploymentResource.HANDLER.getName()).set(OptionsText.format(streaming));
            if (o.predicate() != null) {
                model.get(DeploymentResource.PREDICATE.getName()).set(o.predicate().toString());
            }
        }
    }

    @Override
    public void undeploy(DeploymentUnit unit) {
        DeploymentWrapper handlers = unit.removeAttachment(HANDLERS);
        if (handlers != null) {
            statistics.retire(handlers.key);
        }
    }

    /** The deployment's name, {@code app.war}, or {@code app.ear/web.war} for a subdeployment (see {@link MetricHandler#deploymentKey}). */
    static String key(DeploymentUnit unit) {
        DeploymentUnit parent = unit.getParent();
        return parent == null ? unit.getName() : parent.getName() + "/" + unit.getName();
    }

    /** The servlet extension that wraps one deployment, and the handlers it made. */
    private static final class DeploymentWrapper implements ServletExtension {
        private final String key;
        private final StreamingOptions options;
        private final Predicate predicate;
        private final HandlerStatistics statistics;
        private final StreamAdmission admission;

        DeploymentWrapper(String key, StreamingOptions options, Predicate predicate, HandlerStatistics statistics, StreamAdmission admission) {
            this.key = key;
            this.options = options;
            this.predicate = predicate;
            this.statistics = statistics;
            this.admission = admission;
        }

        @Override
        public void handleDeployment(DeploymentInfo deploymentInfo, ServletContext servletContext) {
            deploymentInfo.addInitialHandlerChainWrapper(this::wrap);
        }

        private HttpHandler wrap(HttpHandler next) {
            AsyncStreamingHandler handler = new AsyncStreamingHandler(next, options);
            statistics.add(key, handler);
            HttpHandler admitted = exchange -> {
                StreamAdmission.attachTo(exchange, admission); // its streams take part in suspend
                handler.handleRequest(exchange);
            };
            return predicate == null ? admitted : Handlers.predicate(predicate, admitted, next);
        }
    }
}
