package io.github.undertowstreaming.extension;

import java.util.List;

import org.jboss.as.controller.persistence.xml.ResourceXMLParticleFactory;
import org.jboss.as.controller.persistence.xml.SubsystemResourceRegistrationXMLElement;
import org.jboss.as.controller.persistence.xml.SubsystemResourceXMLSchema;
import org.jboss.as.controller.xml.IntVersionSchema;
import org.jboss.as.controller.xml.VersionedNamespace;
import org.jboss.staxmapper.IntVersion;

/**
 * The subsystem's XML: {@code <subsystem xmlns="urn:io.github.undertowstreaming:undertow-streaming:1.0"
 * chunk-size="65536"/>}, every attribute an XML attribute of the one element. The schema is
 * {@code schema/undertow-streaming_1_0.xsd} in this module's jar.
 */
enum StreamingSubsystemSchema implements SubsystemResourceXMLSchema<StreamingSubsystemSchema> {
    VERSION_1_0(1, 0);

    static final StreamingSubsystemSchema CURRENT = VERSION_1_0;

    private final VersionedNamespace<IntVersion, StreamingSubsystemSchema> namespace;
    private final ResourceXMLParticleFactory factory = ResourceXMLParticleFactory.newInstance(this);

    StreamingSubsystemSchema(int major, int minor) {
        this.namespace = IntVersionSchema.createURN(List.of("io.github.undertowstreaming", StreamingSubsystem.REGISTRATION.getName()),
                new IntVersion(major, minor));
    }

    @Override
    public VersionedNamespace<IntVersion, StreamingSubsystemSchema> getNamespace() {
        return namespace;
    }

    @Override
    public SubsystemResourceRegistrationXMLElement getSubsystemXMLElement() {
        return factory.subsystemElement(StreamingSubsystem.REGISTRATION)
                .addAttributes(Attributes.ALL)
                .build();
    }
}
