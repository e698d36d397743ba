package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.undertowstreaming.bench.Benchmark;
import io.restassured.path.json.JsonPath;

/**
 * Runs the benchmark's quick mode (about half a minute), so that the harness cannot rot, and
 * checks that it wrote its three files with every section. It asserts no figures: performance
 * claims belong to the full run, not to a test.
 */
class BenchmarkQuickModeTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Test
    void theQuickRunWritesJsonMarkdownAndAChartHoldingEverySection(@TempDir Path out) throws Exception {
        // once per CI run, where every row runs (the virtual-thread rows need Java 21+): the Java 25 build
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() >= 21,
                "runs on Java 21 or later, where every row of the benchmark runs (CI's Java 25 build)");
        Benchmark.main(new String[] {"--quick", "--out", out.toString()});

        Path json = out.resolve("results.json");
        Path md = out.resolve("results.md");
        Path png = out.resolve("results.png");
        for (Path p : List.of(json, md, png)) {
            assertTrue(Files.isRegularFile(p) && Files.size(p) > 0, p + " was written");
        }
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(Files.readAllBytes(png), PNG_MAGIC.length));

        JsonPath results = JsonPath.from(json.toFile());
        assertEquals(Benchmark.SECTIONS, results.getList("sections.id"));
        List<Map<String, Object>> sections = results.getList("sections");
        for (Map<String, Object> section : sections) {
            assertFalse(((List<?>) section.get("rows")).isEmpty(), "rows of " + section.get("id"));
        }
        assertTrue(results.getString("cpu") != null && results.getString("java") != null, "the machine is named");

        String markdown = Files.readString(md);
        for (Map<String, Object> section : sections) {
            assertTrue(markdown.contains("## " + section.get("title")), "results.md has " + section.get("title"));
        }
        assertTrue(markdown.contains("![chart](results.png)"));
    }
}
