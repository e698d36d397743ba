package io.github.undertowstreaming.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import javax.xml.XMLConstants;
import javax.xml.namespace.QName;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamReader;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;

import org.jboss.as.controller.AttributeDefinition;
import org.jboss.as.controller.ExpressionResolver;
import org.jboss.as.controller.PathAddress;
import org.jboss.as.controller.ProcessType;
import org.jboss.as.controller.ResourceDefinition;
import org.jboss.as.controller.SubsystemRegistration;
import org.jboss.as.controller.descriptions.ModelDescriptionConstants;
import org.jboss.as.controller.persistence.SubsystemMarshallingContext;
import org.jboss.as.controller.registry.ManagementResourceRegistration;
import org.jboss.as.controller.registry.OperationEntry;
import org.jboss.dmr.ModelNode;
import org.jboss.dmr.ModelType;
import org.jboss.staxmapper.XMLMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.wildfly.subsystem.SubsystemPersistence;

/**
 * What WildFly's {@code AbstractSubsystemSchemaTest} checks, built from what Maven Central serves
 * ({@code wildfly-subsystem-test} is not there): for every schema version, an XML holding every
 * attribute, expressions included ({@code undertow-streaming-VERSION.xml} in the test resources),
 * is parsed by the subsystem's own reader into operations; they are booted into a model as the
 * add operation's model stage does (every attribute validated and set by its definition, then
 * the runtime stage's check: the library's, expressions resolved to their defaults); the model is
 * marshalled back by the subsystem's own writer; that XML is valid against the version's XSD and
 * equal, attribute by attribute, to the one parsed. And the model description: every attribute,
 * metric, operation and parameter described, and every default within its range and its words.
 *
 * <p>The boot here is the model's, not a controller's with services: the real one runs in the
 * WildFly tests (the layer's configuration, and subsystem.cli's writes).
 */
class SubsystemSchemaTest {

    private static String resource(String name) throws IOException {
        try (InputStream in = SubsystemSchemaTest.class.getResourceAsStream(name)) {
            assertTrue(in != null, name + " in the test resources");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String xml(StreamingSubsystemSchema schema) throws IOException {
        return resource("/undertow-streaming-" + schema.getNamespace().getVersion().major() + "."
                + schema.getNamespace().getVersion().minor() + ".xml");
    }

    private static String xsd(StreamingSubsystemSchema schema) throws IOException {
        return resource("/schema/undertow-streaming_" + schema.getNamespace().getVersion().major() + "_"
                + schema.getNamespace().getVersion().minor() + ".xsd");
    }

    private static List<ModelNode> parse(StreamingSubsystemSchema schema, String xml) throws Exception {
        XMLMapper mapper = XMLMapper.Factory.create();
        mapper.registerRootElement(new QName(schema.getNamespace().getUri(), "subsystem"), schema);
        List<ModelNode> operations = new ArrayList<>();
        XMLStreamReader reader = XMLInputFactory.newInstance().createXMLStreamReader(new StringReader(xml));
        mapper.parseDocument(operations, reader);
        return operations;
    }

    /** The model the add operation's model stage makes: each attribute validated and set by its definition. */
    private static ModelNode boot(List<ModelNode> operations) throws Exception {
        assertEquals(1, operations.size(), "one add: " + operations);
        ModelNode add = operations.get(0);
        assertEquals(ModelDescriptionConstants.ADD, add.get(ModelDescriptionConstants.OP).asString());
        assertEquals(PathAddress.pathAddress(ModelDescriptionConstants.SUBSYSTEM, StreamingSubsystem.NAME),
                PathAddress.pathAddress(add.get(ModelDescriptionConstants.OP_ADDR)));
        ModelNode model = new ModelNode();
        for (AttributeDefinition a : Attributes.ALL) {
            a.validateAndSet(add, model);
        }
        return model;
    }

    private static String marshal(ModelNode model) throws Exception {
        StringWriter out = new StringWriter();
        var writer = SubsystemPersistence.of(StreamingSubsystemSchema.CURRENT).getWriter(org.jboss.as.version.Stability.DEFAULT);
        // staxmapper's formatting writer, as WildFly's persister uses it; it writes out when closed
        var stream = new org.jboss.staxmapper.FormattingXMLStreamWriter(XMLOutputFactory.newInstance().createXMLStreamWriter(out));
        writer.writeContent(stream, new SubsystemMarshallingContext(model, stream));
        stream.writeEndDocument();
        stream.close();
        return out.toString();
    }

    /** The attributes of the one element of {@code xml}, by name. */
    private static Map<String, String> attributes(String xml) throws Exception {
        XMLStreamReader r = XMLInputFactory.newInstance().createXMLStreamReader(new StringReader(xml));
        while (!r.isStartElement()) {
            r.next();
        }
        Map<String, String> a = new TreeMap<>();
        for (int i = 0; i < r.getAttributeCount(); i++) {
            a.put(r.getAttributeLocalName(i), r.getAttributeValue(i));
        }
        return a;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(StreamingSubsystemSchema.class)
    void anXmlWithEveryAttributeParsesBootsAndMarshalsBackValidAgainstItsXsdAndEqual(StreamingSubsystemSchema schema) throws Exception {
        String original = xml(schema);
        Map<String, String> written = attributes(original);
        List<String> names = new ArrayList<>();
        Attributes.ALL.forEach(a -> names.add(a.getName()));
        assertEquals(new java.util.TreeSet<>(names), written.keySet(), "the test XML holds every attribute");
        assertTrue(written.values().stream().anyMatch(v -> v.startsWith("${")), "and expressions");

        ModelNode model = boot(parse(schema, original));
        for (String name : names) {
            assertTrue(model.hasDefined(name), name + " in the model");
        }
        assertEquals(ModelType.EXPRESSION, model.get("chunk-size").getType(), "an expression stays one in the model");
        // the runtime stage's check: the library's, every expression resolved (to its default here)
        SubsystemOptions options = Attributes.options(ExpressionResolver.TEST_RESOLVER, model);
        assertTrue(options.describe().contains("chunk-size=49152, read-ahead=2") && options.describe().endsWith("dispatch=virtual, max-dispatched=64)"),
                options.describe());

        String marshalled = marshal(model);
        System.out.println("[subsystem] " + schema + " marshalled back: " + marshalled);
        var xsd = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI).newSchema(new StreamSource(new StringReader(xsd(schema))));
        xsd.newValidator().validate(new StreamSource(new StringReader(marshalled)));
        xsd.newValidator().validate(new StreamSource(new StringReader(original)));
        assertEquals(written, attributes(marshalled), marshalled);
        assertEquals(model, boot(parse(schema, marshalled)), "parsed again, the same model");
    }

    /** The subsystem registered as WildFly registers it, into registrations made by the controller's factory. */
    private static ManagementResourceRegistration[] register() {
        ManagementResourceRegistration[] made = new ManagementResourceRegistration[2];
        SubsystemRegistration parent = (SubsystemRegistration) Proxy.newProxyInstance(SubsystemSchemaTest.class.getClassLoader(),
                new Class<?>[] {SubsystemRegistration.class}, (proxy, method, args) -> {
                    if (method.getName().equals("registerSubsystemModel")) {
                        return made[0] = ManagementResourceRegistration.Factory.forProcessType(ProcessType.STANDALONE_SERVER)
                                .createRegistration((ResourceDefinition) args[0]);
                    }
                    if (method.getName().equals("registerDeploymentModel")) {
                        return made[1] = ManagementResourceRegistration.Factory.forProcessType(ProcessType.STANDALONE_SERVER)
                                .createRegistration((ResourceDefinition) args[0]);
                    }
                    throw new UnsupportedOperationException(method.toString());
                });
        new StreamingSubsystem().register(parent, null);
        return made;
    }

    @Test
    void theModelDescriptionDescribesEverythingAndItsDefaultsAreWithinTheirRanges() {
        ManagementResourceRegistration[] made = register();
        for (ManagementResourceRegistration registration : made) {
            ModelNode d = registration.getModelDescription(PathAddress.EMPTY_ADDRESS).getModelDescription(Locale.ENGLISH);
            assertFalse(d.get(ModelDescriptionConstants.DESCRIPTION).asString("").isBlank(), "the resource: " + d);
            for (var a : d.get(ModelDescriptionConstants.ATTRIBUTES).asPropertyList()) {
                ModelNode attr = a.getValue();
                String text = attr.get(ModelDescriptionConstants.DESCRIPTION).asString("");
                assertFalse(text.isBlank() || text.startsWith("undertow-streaming."), a.getName() + " is described: " + attr);
                if (attr.hasDefined(ModelDescriptionConstants.DEFAULT)) {
                    ModelNode dflt = attr.get(ModelDescriptionConstants.DEFAULT);
                    if (attr.hasDefined(ModelDescriptionConstants.MIN)) {
                        assertTrue(dflt.asLong() >= attr.get(ModelDescriptionConstants.MIN).asLong(), a.getName() + ": " + attr);
                    }
                    if (attr.hasDefined(ModelDescriptionConstants.MAX)) {
                        assertTrue(dflt.asLong() <= attr.get(ModelDescriptionConstants.MAX).asLong(), a.getName() + ": " + attr);
                    }
                    if (attr.hasDefined(ModelDescriptionConstants.ALLOWED)) {
                        assertTrue(attr.get(ModelDescriptionConstants.ALLOWED).asList().contains(dflt), a.getName() + ": " + attr);
                    }
                }
            }
        }
        ModelNode subsystem = made[0].getModelDescription(PathAddress.EMPTY_ADDRESS).getModelDescription(Locale.ENGLISH);
        ModelNode chunkSize = subsystem.get(ModelDescriptionConstants.ATTRIBUTES, "chunk-size");
        assertEquals(1, chunkSize.get(ModelDescriptionConstants.MIN).asLong(), chunkSize.toString());
        assertEquals(16 << 20, chunkSize.get(ModelDescriptionConstants.MAX).asLong(), chunkSize.toString());
        assertEquals(List.of(new ModelNode("virtual"), new ModelNode("worker")),
                subsystem.get(ModelDescriptionConstants.ATTRIBUTES, "dispatch", ModelDescriptionConstants.ALLOWED).asList());
        assertEquals(new ModelNode(false), subsystem.get(ModelDescriptionConstants.ATTRIBUTES, "statistics-enabled", ModelDescriptionConstants.DEFAULT));
        for (Map.Entry<String, OperationEntry> op : made[0].getOperationDescriptions(PathAddress.EMPTY_ADDRESS, false).entrySet()) {
            ModelNode od = op.getValue().getDescriptionProvider().getModelDescription(Locale.ENGLISH);
            assertFalse(od.get(ModelDescriptionConstants.DESCRIPTION).asString("").isBlank(), op.getKey() + ": " + od);
            if (od.hasDefined(ModelDescriptionConstants.REQUEST_PROPERTIES)) {
                for (var p : od.get(ModelDescriptionConstants.REQUEST_PROPERTIES).asPropertyList()) {
                    assertFalse(p.getValue().get(ModelDescriptionConstants.DESCRIPTION).asString("").isBlank(),
                            op.getKey() + "(" + p.getName() + ") is described");
                }
            }
        }
        assertEquals(List.of(StreamingSubsystem.CAPABILITY.getName()),
                made[0].getCapabilities().stream().map(c -> c.getName()).toList(), "the subsystem's capability");
        assertEquals(java.util.Set.of("org.wildfly.undertow"), StreamingSubsystem.CAPABILITY.getRequirements());
    }
}
