package io.github.undertowstreaming.extension;

import java.util.List;

import org.jboss.as.controller.PersistentResourceXMLDescription;
import org.jboss.as.controller.PersistentSubsystemSchema;
import org.jboss.as.controller.xml.IntVersionSchema;
import org.jboss.as.controller.xml.VersionedNamespace;
import org.jboss.staxmapper.IntVersion;

/**
 * The subsystem's XML: {@code <subsystem xmlns="urn:io.github.undertowstreaming:undertow-streaming:1.0"
 * chunk-size="65536"/>}, every attribute an XML attribute of the one element. The schema is
 * {@code schema/undertow-streaming_1_0.xsd} in this module's jar.
 */
enum StreamingSubsystemSchema implements PersistentSubsystemSchema<StreamingSubsystemSchema> {
    VERSION_1_0(1, 0);

    static final StreamingSubsystemSchema CURRENT = VERSION_1_0;

    private final VersionedNamespace<IntVersion, StreamingSubsystemSchema> namespace;

    StreamingSubsystemSchema(int major, int minor) {
        this.namespace = IntVersionSchema.createURN(List.of("io.github.undertowstreaming", StreamingSubsystem.NAME),
                new IntVersion(major, minor));
    }

    @Override
    public VersionedNamespace<IntVersion, StreamingSubsystemSchema> getNamespace() {
        return namespace;
    }

    @Override
    public PersistentResourceXMLDescription getXMLDescription() {
        return PersistentResourceXMLDescription.factory(this)
                .builder(StreamingSubsystem.PATH)
                .addAttributes(Attributes.OPTIONS.stream())
                .build();
    }
}
