package io.github.undertowstreaming.extension;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.as.controller.AttributeDefinition;
import org.jboss.as.controller.ExpressionResolver;
import org.jboss.as.controller.OperationFailedException;
import org.jboss.dmr.ModelNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.internal.OptionsText;

class AttributesTest {

    private static AttributeDefinition attribute(String name) {
        return Attributes.OPTIONS.stream().filter(a -> a.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void theAttributesAreTheLibrarysTextOptionsButNameAndThenPredicate() {
        List<String> names = new ArrayList<>();
        Attributes.OPTIONS.forEach(a -> names.add(a.getName()));
        List<String> expected = new ArrayList<>(OptionsText.PARAMETERS.keySet());
        expected.remove("name");
        expected.add("predicate");
        assertEquals(expected, names);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"chunk-size, 0", "chunk-size, abc", "read-ahead, 65", "read-budget, 0", "max-streams, -1",
        "read-timeout, -5", "write-timeout, 99999999999", "dispatch, sideways", "max-dispatched, -1", "skip, 'path-prefix('"})
    void aBadValueIsRefusedWithTheMessageOfTheLibrary(String name, String value) {
        String library = assertThrows(IllegalArgumentException.class,
                () -> OptionsText.apply(StreamingOptions.builder(), name, value)).getMessage();
        OperationFailedException e = assertThrows(OperationFailedException.class,
                () -> attribute(name).getValidator().validateParameter(name, new ModelNode(value)));
        assertEquals(library, e.getMessage());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"chunk-size, 65536", "read-ahead, 2", "dispatch, worker", "skip, 'path-prefix(/api)'", "predicate, 'path-prefix(/files)'",
        "read-timeout, 0", "chunk-size, '${env.CHUNK:65536}'"})
    void aGoodValueOrAnExpressionPasses(String name, String value) {
        ModelNode node = value.startsWith("${") ? new ModelNode(new org.jboss.dmr.ValueExpression(value)) : new ModelNode(value);
        assertDoesNotThrow(() -> attribute(name).getValidator().validateParameter(name, node));
    }

    /**
     * wildfly-maven-plugin's packaging scripts write the model in an embedded server on the
     * build's JVM (Java 17 here) for a server that may run on 25: {@code dispatch=virtual} is
     * accepted on every JVM, and fails where a deployment is wrapped (HandlerProcessorTest).
     */
    @ParameterizedTest(name = "dispatch={0}")
    @CsvSource({"virtual", "worker", "' virtual'"})
    void dispatchVirtualOrWorkerIsAcceptedOnEveryJvm(String value) {
        assertDoesNotThrow(() -> attribute("dispatch").getValidator().validateParameter("dispatch", new ModelNode(value)));
    }

    @Test
    void maxDispatchedWithoutDispatchIsRefusedForTheWholeModelWithTheLibrarysMessage() throws Exception {
        ModelNode alone = new ModelNode();
        alone.get("max-dispatched").set(4);
        alone.get("read-ahead").set(1);
        OperationFailedException e = assertThrows(OperationFailedException.class,
                () -> Attributes.options(ExpressionResolver.TEST_RESOLVER, alone));
        assertTrue(e.getMessage().startsWith("UTSTREAM0121: max-dispatched=4 needs dispatch"), e.getMessage());

        ModelNode worker = alone.clone();
        worker.get("dispatch").set("worker");
        assertThrows(OperationFailedException.class, () -> Attributes.options(ExpressionResolver.TEST_RESOLVER, worker));

        // each attribute alone is a good value: the pair is checked where the options are built
        assertDoesNotThrow(() -> attribute("max-dispatched").getValidator().validateParameter("max-dispatched", new ModelNode(4)));
        ModelNode none = alone.clone();
        none.get("max-dispatched").set(0);
        assertEquals(1, Attributes.options(ExpressionResolver.TEST_RESOLVER, none).streaming().readAhead());
    }

    @Test
    void maxDispatchedWithDispatchVirtualIsAcceptedOnAnyJvmAndAppliedWhereTheDeploymentIsWrapped() throws Exception {
        ModelNode model = new ModelNode();
        model.get("max-dispatched").set(4);
        model.get("dispatch").set("virtual");
        SubsystemOptions options = Attributes.options(ExpressionResolver.TEST_RESOLVER, model); // Java 17 too
        if (Runtime.version().feature() >= 21) {
            assertEquals(4, options.streaming().maxDispatched());
        } else {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, options::streaming);
            assertTrue(e.getMessage().startsWith("UTSTREAM0119"), e.getMessage());
        }
    }

    @Test
    void aPredicateThatDoesNotParseIsRefusedNamingIt() {
        OperationFailedException e = assertThrows(OperationFailedException.class,
                () -> attribute("predicate").getValidator().validateParameter("predicate", new ModelNode("path-prefix(")));
        assertTrue(e.getMessage().startsWith("UTSTREAM0200: predicate must be a predicate"), e.getMessage());
    }

    /** The XSD in the jar names exactly the subsystem's attributes, and accepts what WildFly writes. */
    @Test
    void theSchemaHasAnAttributePerModelAttributeAndTakesTheSubsystemsXml() throws Exception {
        String xsd;
        try (var in = AttributesTest.class.getResourceAsStream("/schema/undertow-streaming_1_0.xsd")) {
            xsd = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        TreeSet<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("<xs:attribute name=\"([^\"]+)\"").matcher(xsd);
        while (m.find()) {
            names.add(m.group(1));
        }
        TreeSet<String> attributes = new TreeSet<>();
        Attributes.ALL.forEach(a -> attributes.add(a.getName()));
        assertEquals(attributes, names);

        String xml = "<subsystem xmlns=\"" + StreamingSubsystemSchema.CURRENT.getNamespace().getUri() + "\""
                + " chunk-size=\"49152\" read-ahead=\"2\" predicate=\"regex(pattern='^/app/', value='%U')\"/>";
        var schema = javax.xml.validation.SchemaFactory.newInstance(javax.xml.XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(new javax.xml.transform.stream.StreamSource(new java.io.StringReader(xsd)));
        assertDoesNotThrow(() -> schema.newValidator().validate(new javax.xml.transform.stream.StreamSource(new java.io.StringReader(xml))));
        assertEquals("urn:io.github.undertowstreaming:undertow-streaming:1.0", StreamingSubsystemSchema.CURRENT.getNamespace().getUri());
    }

    /** The feature pack's hand-written feature spec names exactly the subsystem's attributes. */
    @Test
    void theFeatureSpecOfTheGalleonPackHasAParamPerAttribute() throws Exception {
        Path spec = Path.of("..", "undertow-streaming-galleon-pack", "src", "main", "resources", "features",
                "subsystem.undertow-streaming", "spec.xml");
        String xml = Files.readString(spec);
        TreeSet<String> params = new TreeSet<>();
        Matcher m = Pattern.compile("<param name=\"([^\"]+)\" nillable=\"true\"").matcher(xml);
        while (m.find()) {
            params.add(m.group(1));
        }
        TreeSet<String> attributes = new TreeSet<>();
        Attributes.ALL.forEach(a -> attributes.add(a.getName()));
        assertEquals(attributes, params);
        Matcher op = Pattern.compile("name=\"op-params\" value=\"([^\"]+)\"").matcher(xml);
        assertTrue(op.find());
        assertEquals(attributes, new TreeSet<>(List.of(op.group(1).split(","))));
    }
}
