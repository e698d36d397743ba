package io.github.undertowstreaming.extension;

import org.jboss.as.controller.OperationFailedException;
import org.jboss.as.server.deployment.DeploymentUnitProcessingException;
import org.jboss.logging.annotations.Cause;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageBundle;

/**
 * The subsystem's own messages, ids {@code UTSTREAM0200} to {@code UTSTREAM0249}. The options'
 * messages are the library's ({@code UTSTREAM0100} to {@code UTSTREAM0199}).
 */
@MessageBundle(projectCode = "UTSTREAM", length = 4)
interface SubsystemMessages {

    SubsystemMessages MESSAGES = org.jboss.logging.Messages.getBundle(java.lang.invoke.MethodHandles.lookup(), SubsystemMessages.class);

    @Message(id = 200, value = "predicate must be a predicate in Undertow's predicate language, but '%s' does not parse: %s")
    OperationFailedException badPredicate(String text, String cause);

    /** The deployment fails: the subsystem's options cannot be applied in this JVM ({@code cause} is the library's message). */
    @Message(id = 201, value = "/subsystem=undertow-streaming cannot wrap deployment \"%s\": %s")
    DeploymentUnitProcessingException cannotWrap(String deployment, String reason, @Cause IllegalArgumentException cause);
}
