package io.github.undertowstreaming.extension;

import org.wildfly.subsystem.SubsystemConfiguration;
import org.wildfly.subsystem.SubsystemExtension;
import org.wildfly.subsystem.SubsystemPersistence;

/**
 * The WildFly extension of module {@value StreamingSubsystem#EXTENSION_MODULE}: the
 * {@value StreamingSubsystem#NAME} subsystem, at the default stability level, persisted in
 * the namespace of {@link StreamingSubsystemSchema#CURRENT}. Found by WildFly through
 * {@code META-INF/services/org.jboss.as.controller.Extension}.
 */
public final class StreamingExtension extends SubsystemExtension<StreamingSubsystemSchema> {

    /** The extension, as the service loader makes it. */
    public StreamingExtension() {
        super(SubsystemConfiguration.of(StreamingSubsystem.NAME, StreamingSubsystemModel.CURRENT, StreamingSubsystem::new),
                SubsystemPersistence.of(StreamingSubsystemSchema.CURRENT));
    }
}
