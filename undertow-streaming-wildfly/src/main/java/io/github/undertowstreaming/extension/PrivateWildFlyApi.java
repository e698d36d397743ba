package io.github.undertowstreaming.extension;

import org.jboss.as.server.deployment.DeploymentUnit;
import org.jboss.as.web.common.WarMetaData;
import org.wildfly.extension.undertow.deployment.UndertowAttachments;

import io.undertow.servlet.ServletExtension;

/**
 * The subsystem's only use of WildFly's private API: modules {@code org.wildfly.extension.undertow}
 * and {@code org.jboss.as.web-common} ({@code jboss.api=private}), which may change in any WildFly
 * release. Checked against WildFly 39.
 *
 * <p>Why a servlet extension and not {@code UNDERTOW_INITIAL_HANDLER_CHAIN_WRAPPERS}: WildFly
 * hands both lists to the deployment's {@code DeploymentInfo} when it builds it
 * ({@code UndertowDeploymentInfoService}). Undertow's {@code DeploymentManagerImpl} then runs the
 * deployment's own {@code ServletExtension}s first and those of {@code DeploymentInfo} last, and
 * wraps the initial handler chain in list order, so a wrapper added by the last extension is the
 * outermost of the deployment: it runs on the IO thread before the deployment's own Undertow
 * handlers and before {@code ServletInitialHandler} dispatches to a worker. A wrapper in
 * {@code UNDERTOW_INITIAL_HANDLER_CHAIN_WRAPPERS} would sit inside the handlers that the
 * deployment's own servlet extensions add, which could then not see the options.
 */
final class PrivateWildFlyApi {

    private PrivateWildFlyApi() {
    }

    /**
     * Whether {@code unit} is a web deployment (a WAR, alone or in an EAR): the test that WildFly's
     * own {@code UndertowDeploymentProcessor} makes, a {@code WarMetaData} attached while the
     * deployment's structure was read.
     */
    static boolean isWebDeployment(DeploymentUnit unit) {
        return unit.getAttachment(WarMetaData.ATTACHMENT_KEY) != null;
    }

    /** Runs {@code extension} for the deployment after the deployment's own servlet extensions. */
    static void addServletExtension(DeploymentUnit unit, ServletExtension extension) {
        unit.addToAttachmentList(UndertowAttachments.UNDERTOW_SERVLET_EXTENSIONS, extension);
    }
}
