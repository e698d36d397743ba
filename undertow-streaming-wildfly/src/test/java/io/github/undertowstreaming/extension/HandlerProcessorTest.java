package io.github.undertowstreaming.extension;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import org.jboss.as.server.deployment.Attachable;
import org.jboss.as.server.deployment.DeploymentPhaseContext;
import org.jboss.as.server.deployment.DeploymentUnit;
import org.jboss.as.server.deployment.DeploymentUnitProcessingException;
import org.jboss.as.server.deployment.SimpleAttachable;
import org.jboss.as.web.common.WarMetaData;
import org.junit.jupiter.api.Test;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.internal.VirtualThreads;
import io.undertow.server.handlers.ResponseCodeHandler;

/**
 * Where {@code dispatch=virtual} fails when the JVM has no virtual threads: not when the model is
 * written or the subsystem is added (see {@link AttributesTest}), but when a web deployment is
 * wrapped, which then fails with the library's message. A deployment that is not a web
 * deployment is left alone. The deployment unit is a stand-in that holds attachments; the
 * successful wrap, which goes through WildFly's Undertow integration, is tested on a real server
 * (WildFlySubsystemIT, WildFlyTransparentModeIT).
 */
class HandlerProcessorTest {

    private static SubsystemOptions withDispatch(String dispatch) {
        return new SubsystemOptions(StreamingOptions.defaults(), dispatch, null, null);
    }

    private static HandlerProcessor processor(SubsystemOptions options) {
        return new HandlerProcessor(() -> options, new HandlerStatistics(), new Suspension());
    }

    /** A deployment unit named {@code name} with {@code attachments}: a web deployment if {@code web}, as WildFly marks one. */
    private static DeploymentPhaseContext phase(String name, boolean web, SimpleAttachable attachments) {
        if (web) {
            attachments.putAttachment(WarMetaData.ATTACHMENT_KEY, new WarMetaData());
        }
        DeploymentUnit unit = (DeploymentUnit) Proxy.newProxyInstance(HandlerProcessorTest.class.getClassLoader(),
                new Class<?>[] {DeploymentUnit.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Attachable.class) {
                        try {
                            return method.invoke(attachments, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }
                    if (method.getName().equals("getName")) {
                        return name;
                    }
                    if (method.getName().equals("getParent")) {
                        return null;
                    }
                    throw new UnsupportedOperationException(method.toString());
                });
        return (DeploymentPhaseContext) Proxy.newProxyInstance(HandlerProcessorTest.class.getClassLoader(),
                new Class<?>[] {DeploymentPhaseContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getDeploymentUnit")) {
                        return unit;
                    }
                    throw new UnsupportedOperationException(method.toString());
                });
    }

    @Test
    void onAJvmWithoutVirtualThreadsAWebDeploymentFailsWithTheLibrarysMessage() {
        assumeFalse(VirtualThreads.available(), "this JVM has virtual threads: the deployment is wrapped (the WildFly ITs)");
        String library = assertThrows(IllegalArgumentException.class,
                () -> new AsyncStreamingHandler(ResponseCodeHandler.HANDLE_404).setDispatch("virtual")).getMessage();
        DeploymentUnitProcessingException e = assertThrows(DeploymentUnitProcessingException.class,
                () -> processor(withDispatch("virtual")).deploy(phase("app.war", true, new SimpleAttachable())));
        assertEquals("UTSTREAM0201: /subsystem=undertow-streaming cannot wrap deployment \"app.war\": " + library, e.getMessage());
        assertEquals(library, e.getCause().getMessage());
    }

    @Test
    void aDeploymentThatIsNotAWebDeploymentIsLeftAloneWhateverTheOptions() {
        SimpleAttachable attachments = new SimpleAttachable();
        assertDoesNotThrow(() -> processor(withDispatch("virtual")).deploy(phase("beans.jar", false, attachments)));
        assertEquals(java.util.Set.of(), attachments.attachmentKeys(), "nothing attached");
    }

    @Test
    void theOptionsResolveDispatchWhereTheyAreApplied() {
        assertSame(null, withDispatch("worker").streaming().dispatch());
        assertSame(null, withDispatch(null).streaming().dispatch());
        if (VirtualThreads.available()) {
            assertSame(StreamingOptions.virtualThreads(), withDispatch("virtual").streaming().dispatch());
        } else {
            assertThrows(IllegalArgumentException.class, () -> withDispatch("virtual").streaming());
        }
    }

    @Test
    void theBootLineNamesTheHandlerWithDispatchAsWrittenAndThePredicate() {
        assertEquals("async-streaming(dispatch=virtual, max-dispatched=4)",
                new SubsystemOptions(StreamingOptions.defaults(), "virtual", "4", null).describe());
        assertEquals("async-streaming(read-ahead=2, dispatch=worker)",
                new SubsystemOptions(StreamingOptions.builder().readAhead(2).build(), "worker", null, null).describe());
        assertEquals("async-streaming", new SubsystemOptions(StreamingOptions.defaults(), null, null, null).describe());
    }
}
