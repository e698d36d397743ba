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
 * Runs the benchmark's quick mode (about a minute, the peers' JVMs included), so that the harness
 * cannot rot, and checks that it wrote its three files with every section, and that every peer of
 * section 1f served its few clients from a JVM of its own. It asserts no figures: performance
 * claims belong to the full run, not to a test.
 */
class BenchmarkQuickModeTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Test
    void theQuickRunWritesJsonMarkdownAndAChartHoldingEverySection(@TempDir Path out) throws Exception {
        // once per CI run, where every row runs (the virtual-thread rows and the peers need Java 21+, and the
        // build's profile "peers" builds their module there): the Java 25 build
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

        // the peers (section 1f) ran, each server in a JVM of its own, and every client finished
        List<Map<String, Object>> peers = results.getList("sections.find { it.id == 'peers' }.rows");
        assertEquals(6, peers.size(), "one row per peer: " + peers);
        for (Map<String, Object> row : peers) {
            assertTrue(String.valueOf(row.get("finished")).startsWith("all "), "every client of the peer finished: " + row);
            assertTrue(row.get("/ping p99 (ms)") instanceof Number, "/ping answered throughout: " + row);
            assertTrue(((Number) row.get("peak threads")).intValue() > 0, "the server's /proc was read: " + row);
        }

        String markdown = Files.readString(md);
        for (Map<String, Object> section : sections) {
            assertTrue(markdown.contains("## " + section.get("title")), "results.md has " + section.get("title"));
        }
        assertTrue(markdown.contains("![chart](results.png)"));
    }
}
