package io.github.undertowstreaming.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.wildfly.glow.LayerMetadata;
import org.wildfly.glow.Utils;

/**
 * The feature pack's layer as WildFly Glow reads it: every {@code org.wildfly.rule.*} prop is one
 * of Glow's own rules ({@code LayerMetadata}), the class rule matches the library's API (Glow turns
 * it into a pattern with its own {@code Utils.escapePattern}), an add-on has its description, and
 * the layer depends on WildFly's {@code servlet} layer.
 */
class GalleonLayerTest {

    private static final Path LAYER = Path.of("..", "undertow-streaming-galleon-pack", "src", "main", "resources", "layers",
            "standalone", "undertow-streaming", "layer-spec.xml");

    private static Document layer() throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(LAYER.toFile());
    }

    private static Map<String, String> props(Document d) {
        Map<String, String> props = new LinkedHashMap<>();
        NodeList list = d.getElementsByTagNameNS("*", "prop");
        for (int i = 0; i < list.getLength(); i++) {
            Element p = (Element) list.item(i);
            props.put(p.getAttribute("name"), p.getAttribute("value"));
        }
        return props;
    }

    @Test
    void everyRuleIsOneOfGlowsAndTheClassRuleMatchesTheLibrarysApi() throws Exception {
        Map<String, String> props = props(layer());
        props.keySet().stream().filter(k -> k.startsWith(LayerMetadata.PREFIX)).forEach(k ->
                assertTrue(LayerMetadata.getAllRules().contains(k) || LayerMetadata.getFullyNamedRules().contains(k),
                        k + " is a rule Glow reads: " + LayerMetadata.getAllRules()));
        String classes = props.get(LayerMetadata.CLASS);
        assertTrue(classes != null && Utils.isPattern(classes), "a class pattern: " + classes);
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(Utils.escapePattern(classes));
        for (String api : List.of("io.github.undertowstreaming.Streaming", "io.github.undertowstreaming.StreamingBody",
                "io.github.undertowstreaming.servlet.ServletStreaming")) {
            assertTrue(p.matcher(api).matches(), api + " matches " + classes);
        }
        assertFalse(p.matcher("io.undertow.server.HttpHandler").matches());
        assertEquals(2, props.get(LayerMetadata.ADD_ON).split(",").length, "an add-on is family,name");
        assertFalse(props.getOrDefault(LayerMetadata.ADD_ON_DESCRIPTION, "").isBlank(), "the add-on's description");
    }

    @Test
    void theLayerBuildsOnWildFlysServletLayer() throws Exception {
        NodeList layers = layer().getElementsByTagNameNS("*", "layer");
        assertEquals(1, layers.getLength());
        assertEquals("servlet", ((Element) layers.item(0)).getAttribute("name"));
    }
}
