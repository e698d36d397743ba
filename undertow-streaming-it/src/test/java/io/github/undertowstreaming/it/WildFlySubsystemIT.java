package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Waits;
import io.github.undertowstreaming.it.support.WildFly;
import io.github.undertowstreaming.it.support.WildFlyManagement;
import io.undertow.server.handlers.ResponseCodeHandler;

/**
 * The undertow-streaming subsystem in a real WildFly 39, provisioned by the build from
 * wildfly-ee-galleon-pack and this project's feature pack with layer {@code undertow-streaming}
 * (see the it pom): nothing installed by hand. src/wildfly/subsystem.cli points the subsystem's
 * {@code predicate} at the deployment {@code subsystem-app} (which has no
 * jboss-deployment-structure.xml) and sets {@code read-ahead=2}. Its servlet extension streams
 * {@code /download?size=N} with {@code Streaming.send} from an Undertow handler and reports in
 * {@code X-Streaming-Options} the options it was given. The management API is reached over HTTP
 * as a user would.
 */
class WildFlySubsystemIT {

    private static final int PORT = Integer.getInteger("wildfly.http.port", 18080);
    private static final int MANAGEMENT_PORT = Integer.getInteger("wildfly.management.port", 19990);
    private static final String SUBSYSTEM = "undertow-streaming";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final WildFlyManagement MANAGEMENT = new WildFlyManagement(MANAGEMENT_PORT);

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + PORT + path);
    }

    @BeforeAll
    static void theSubsystemsDeploymentIsUp() {
        awaitDeployment();
    }

    private static void awaitDeployment() {
        Waits.await(() -> {
            try {
                return HTTP.send(HttpRequest.newBuilder(uri("/subsystem-app/ping")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, Duration.ofSeconds(60), () -> "subsystem-app did not come up");
    }

    private static HttpResponse<InputStream> download(long size) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri("/subsystem-app/download?size=" + size)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    private static String optionsOf(HttpResponse<?> r) {
        return r.headers().firstValue("x-streaming-options").orElse("(none)");
    }

    @Test
    void theLayerAddsTheSubsystemWithItsAttributesAndRuntimeMetrics() throws Exception {
        WildFlyManagement.Answer r = MANAGEMENT.onSubsystem(SUBSYSTEM, "read-resource", "\"include-runtime\":true");
        assertTrue(r.succeeded(), r.toString());
        assertEquals(2, r.number("read-ahead"), r.json());
        assertEquals("regex(pattern='^/subsystem-app/', value='%U')", r.string("predicate"), r.json());
        // written literally by subsystem.cli, on the build's JVM, which may have no virtual threads
        assertEquals("virtual", r.string("dispatch"), r.json());
        for (String metric : new String[] {"streams-in-flight", "streams-started", "streams-finished", "streams-failed",
                "body-failures", "client-failures", "write-failures", "rejected", "timeouts", "limited", "bytes-sent", "read-time",
                "dispatch-running", "dispatch-queued", "dispatch-refused"}) {
            assertTrue(r.number(metric) >= 0, metric + " in " + r.json());
        }
        // the boot line, with the options as the model says them (dispatch as written)
        List<String> boot = WildFly.logLines("UTSTREAM0230");
        assertTrue(!boot.isEmpty() && boot.get(0).contains("async-streaming(read-ahead=2, dispatch=virtual)"), boot.toString());
    }

    /**
     * A web deployment without a structure file sees the library's API and its servlet entry point
     * through the subsystem, not its internals; the pack installed the subsystem's XSD under
     * docs/schema.
     */
    @Test
    void aWebDeploymentSeesTheApiButNotTheInternalsAndTheXsdIsInDocsSchema() throws Exception {
        for (String[] c : new String[][] {{"io.github.undertowstreaming.Streaming", "visible"},
                {"io.github.undertowstreaming.servlet.ServletStreaming", "visible"},
                {"io.github.undertowstreaming.internal.Pump", "hidden"}}) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/subsystem-app/visibility?class=" + c[0]))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(c[1], r.body(), c[0]);
        }
        java.nio.file.Path xsd = java.nio.file.Path.of(System.getProperty("wildfly.home"), "docs", "schema", "undertow-streaming_1_0.xsd");
        assertTrue(java.nio.file.Files.isRegularFile(xsd), xsd + " provisioned");
    }

    /**
     * The pack names its three jars as Maven artifacts: provisioning resolved them (their versions in
     * the module files and the jars' names, as WildFly's own modules), merged their license data into
     * the server's licenses.xml, and the pack's build wrote a channel manifest with a stream for
     * each of them and for the pack.
     */
    @Test
    void thePackResolvesItsJarsFromMavenAndBringsItsLicenseDataAndAChannelManifest() throws Exception {
        String version = System.getProperty("undertowstreaming.version");
        java.nio.file.Path home = java.nio.file.Path.of(System.getProperty("wildfly.home"));
        java.nio.file.Path modules = home.resolve("modules/system/layers/base/io/github/undertowstreaming");
        for (String[] m : new String[][] {{"main", "undertow-streaming"}, {"main", "undertow-streaming-servlet"},
                {"extension/main", "undertow-streaming-wildfly"}}) {
            String jar = m[1] + "-" + version + ".jar";
            assertTrue(java.nio.file.Files.isRegularFile(modules.resolve(m[0]).resolve(jar)), jar + " in " + m[0]);
            String moduleXml = java.nio.file.Files.readString(modules.resolve(m[0]).resolve("module.xml"));
            assertTrue(moduleXml.contains("<resource-root path=\"" + jar + "\""), moduleXml);
        }
        String licenses = java.nio.file.Files.readString(home.resolve("docs/licenses/licenses.xml")).replaceAll("\\s+", "");
        for (String artifact : new String[] {"undertow-streaming", "undertow-streaming-servlet", "undertow-streaming-wildfly"}) {
            String entry = "<groupId>io.github.undertowstreaming</groupId><artifactId>" + artifact + "</artifactId><version>"
                    + version + "</version><licenses><license><name>ApacheLicense2.0</name>";
            assertTrue(licenses.contains(entry), entry + " in the server's licenses.xml");
        }
        String manifest = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("undertowstreaming.manifest")));
        for (String artifact : new String[] {"undertow-streaming", "undertow-streaming-servlet", "undertow-streaming-wildfly",
                "undertow-streaming-galleon-pack"}) {
            String stream = "- groupId: \"io.github.undertowstreaming\"\n    artifactId: \"" + artifact + "\"\n    version: \""
                    + version + "\"";
            assertTrue(manifest.contains(stream), stream + " in " + manifest);
        }
        assertTrue(manifest.contains("id: \"org.wildfly:wildfly-ee-galleon-pack\""), "requires the manifest of the pack it builds on: " + manifest);
    }

    /** The description shows the library's ranges, words and defaults, and the capability that requires Undertow's. */
    @Test
    void theModelDescriptionShowsRangesAllowedValuesDefaultsAndTheCapability() throws Exception {
        WildFlyManagement.Answer d = MANAGEMENT.onSubsystem(SUBSYSTEM, "read-resource-description", "");
        assertTrue(d.succeeded(), d.toString());
        String json = d.json().replaceAll("\\s+", "");
        assertTrue(attribute(json, "chunk-size").contains("\"min\":1") && attribute(json, "chunk-size").contains("\"max\":16777216"), json);
        assertTrue(attribute(json, "dispatch").contains("\"allowed\":[\"virtual\",\"worker\"]"), json);
        assertTrue(attribute(json, "min-rate").contains("\"default\":240"), json);
        assertTrue(attribute(json, "statistics-enabled").contains("\"default\":false"), json);
        assertTrue(json.contains("\"name\":\"io.github.undertowstreaming.undertow-streaming\""), "the capability: " + json);
    }

    /** The description of attribute {@code name} in a description without blanks: from its key to the next attribute's. */
    private static String attribute(String json, String name) {
        int from = json.indexOf("\"" + name + "\":{\"type\"");
        assertTrue(from >= 0, name + " in " + json);
        int to = json.indexOf(":{\"type\"", from + name.length() + 12);
        return json.substring(from, to < 0 ? json.length() : to);
    }

    /**
     * {@code /deployment=subsystem-app.war/subsystem=undertow-streaming}: the options in effect there,
     * and metrics of that deployment alone, equal to what its clients received.
     */
    @Test
    void theDeploymentsResourceShowsItsOptionsAndCountsWhatItsClientsReceived() throws Exception {
        String address = "\"address\":[{\"deployment\":\"subsystem-app.war\"},{\"subsystem\":\"" + SUBSYSTEM + "\"}]";
        WildFlyManagement.Answer before = MANAGEMENT.execute("{\"operation\":\"read-resource\"," + address + ",\"include-runtime\":true}");
        assertTrue(before.succeeded(), before.toString());
        assertTrue(before.string("handler").contains("read-ahead=2"), before.json());
        long size = 1L << 20;
        long received = 0;
        for (int i = 0; i < 2; i++) {
            HttpResponse<InputStream> r = download(size);
            byte[] body = r.body().readAllBytes();
            received += body.length;
            assertEquals(Pattern.digest(size), Pattern.digest(new java.io.ByteArrayInputStream(body)));
        }
        long expected = before.number("bytes-sent") + received;
        WildFlyManagement.Answer[] after = new WildFlyManagement.Answer[1];
        Waits.await(() -> {
            try {
                after[0] = MANAGEMENT.execute("{\"operation\":\"read-resource\"," + address + ",\"include-runtime\":true}");
                return after[0].number("streams-finished") >= before.number("streams-finished") + 2;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(15), () -> "the deployment's two streams were not counted: " + after[0]);
        assertEquals(expected, after[0].number("bytes-sent"), "what the clients received: " + after[0].json());
        assertEquals(before.number("streams-started") + 2, after[0].number("streams-started"), after[0].json());
        assertEquals(0, after[0].number("streams-in-flight"), after[0].json());
    }

    @Test
    void aDeploymentWithoutAStructureFileStreamsFromAnUndertowHandlerWithTheSubsystemsOptions() throws Exception {
        long size = 3L << 20;
        HttpResponse<InputStream> r = download(size);
        assertEquals(200, r.statusCode());
        assertTrue(optionsOf(r).contains("read-ahead=2"), "the subsystem's handler attached its options: " + optionsOf(r));
        // the subsystem's handler is outside the deployment's own Undertow handler, which runs on the IO thread
        assertEquals("true", r.headers().firstValue("x-in-io-thread").orElse("(none)"));
        assertEquals(Pattern.digest(size), Pattern.digest(r.body()));
    }

    @Test
    void theMetricsCountTheStreamsOfTheDeployment() throws Exception {
        WildFlyManagement.Answer before = MANAGEMENT.onSubsystem(SUBSYSTEM, "read-resource", "\"include-runtime\":true");
        long size = 1L << 20;
        for (int i = 0; i < 3; i++) {
            HttpResponse<InputStream> r = download(size);
            assertEquals(Pattern.digest(size), Pattern.digest(r.body()));
        }
        // the client has every byte before the server counts the stream finished: poll for it
        long finishedBefore = before.number("streams-finished");
        WildFlyManagement.Answer[] after = new WildFlyManagement.Answer[1];
        Waits.await(() -> {
            try {
                after[0] = MANAGEMENT.onSubsystem(SUBSYSTEM, "read-resource", "\"include-runtime\":true");
                return after[0].number("streams-finished") >= finishedBefore + 3;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(15), () -> "three finished streams were not counted: " + after[0]);
        WildFlyManagement.Answer a = after[0];
        assertEquals(before.number("streams-started") + 3, a.number("streams-started"), a.json());
        assertEquals(finishedBefore + 3, a.number("streams-finished"), a.json());
        assertEquals(before.number("bytes-sent") + 3 * size, a.number("bytes-sent"), a.json());
        assertEquals(before.number("streams-failed"), a.number("streams-failed"), a.json());
        assertEquals(0, a.number("streams-in-flight"), a.json());
        WildFlyManagement.Answer one = MANAGEMENT.onSubsystem(SUBSYSTEM, "read-attribute", "\"name\":\"bytes-sent\"");
        assertTrue(one.succeeded() && one.number("result") >= a.number("bytes-sent"), one.toString());
    }

    @Test
    void aBadValueIsRefusedByTheManagementOperationWithTheLibrarysMessage() throws Exception {
        String chunkSizeMessage = assertThrows(IllegalArgumentException.class,
                () -> new AsyncStreamingHandler(ResponseCodeHandler.HANDLE_404).setChunkSize("0")).getMessage();
        WildFlyManagement.Answer r = MANAGEMENT.onSubsystem(SUBSYSTEM, "write-attribute", "\"name\":\"chunk-size\",\"value\":0");
        assertFalse(r.succeeded(), r.toString());
        assertTrue(r.string("failure-description").contains(chunkSizeMessage), "expected \"" + chunkSizeMessage + "\" in " + r);

        WildFlyManagement.Answer dispatchBefore = MANAGEMENT.onSubsystem(SUBSYSTEM, "read-attribute", "\"name\":\"dispatch\"");
        String dispatchMessage = assertThrows(IllegalArgumentException.class,
                () -> new AsyncStreamingHandler(ResponseCodeHandler.HANDLE_404).setDispatch("sideways")).getMessage();
        r = MANAGEMENT.onSubsystem(SUBSYSTEM, "write-attribute", "\"name\":\"dispatch\",\"value\":\"sideways\"");
        assertFalse(r.succeeded(), r.toString());
        assertTrue(r.string("failure-description").contains(dispatchMessage), "expected \"" + dispatchMessage + "\" in " + r);

        r = MANAGEMENT.onSubsystem(SUBSYSTEM, "write-attribute", "\"name\":\"predicate\",\"value\":\"path-prefix(\"");
        assertFalse(r.succeeded(), r.toString());
        assertTrue(r.string("failure-description").contains("UTSTREAM0200"), r.toString());

        WildFlyManagement.Answer chunkSize = MANAGEMENT.onSubsystem(SUBSYSTEM, "read-attribute", "\"name\":\"chunk-size\"");
        assertTrue(chunkSize.succeeded(), chunkSize.toString());
        assertFalse(java.util.regex.Pattern.compile("\"result\"\\s*:\\s*0\\b").matcher(chunkSize.json()).find(),
                "a refused value is not written: " + chunkSize);
        WildFlyManagement.Answer dispatch = MANAGEMENT.onSubsystem(SUBSYSTEM, "read-attribute", "\"name\":\"dispatch\"");
        assertEquals(dispatchBefore.json(), dispatch.json(), "a refused value is not written");
    }

    /**
     * {@code max-dispatched=2} written with the management API (and a reload): four clients that
     * read nothing of an 8 MiB servlet response fill the gate of subsystem-app (two run on virtual
     * threads, blocked in their writes; two wait for a place), a fifth gets {@code 503}, and the
     * deployment's and the subsystem's gate metrics say so; once the clients go away the gate
     * empties. The attribute is undefined again (and the server reloaded) at the end.
     */
    @Test
    void theGateMetricsCountRunningQueuedAndRefusedExchangesUnderALoadThatQueuesAndRefuses() throws Exception {
        String address = "\"address\":[{\"deployment\":\"subsystem-app.war\"},{\"subsystem\":\"" + SUBSYSTEM + "\"}]";
        String readDeployment = "{\"operation\":\"read-resource\"," + address + ",\"include-runtime\":true}";
        WildFlyManagement.Answer w = MANAGEMENT.onSubsystem(SUBSYSTEM, "write-attribute", "\"name\":\"max-dispatched\",\"value\":2");
        assertTrue(w.succeeded(), w.toString());
        List<java.net.Socket> clients = new java.util.ArrayList<>();
        try {
            MANAGEMENT.reloadAndAwaitRunning(Duration.ofSeconds(90));
            awaitDeployment();
            long refusedBefore = MANAGEMENT.execute(readDeployment).number("dispatch-refused");
            for (int i = 0; i < 4; i++) {
                java.net.Socket c = new java.net.Socket();
                c.setReceiveBufferSize(8192); // before connecting: the window the server sees
                c.connect(new java.net.InetSocketAddress("127.0.0.1", PORT), 5000);
                clients.add(c);
                c.getOutputStream().write(("GET /subsystem-app/bytes?size=" + (8 << 20) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                c.getOutputStream().flush();
            }
            awaitGate(readDeployment, 2, 2, Duration.ofSeconds(15), "two running and two queued");
            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(uri("/subsystem-app/bytes?size=10"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, refused.statusCode(), "a fifth exchange while two run and two wait");
            WildFlyManagement.Answer deployment = MANAGEMENT.execute(readDeployment);
            assertEquals(refusedBefore + 1, deployment.number("dispatch-refused"), deployment.json());
            WildFlyManagement.Answer subsystem = MANAGEMENT.onSubsystem(SUBSYSTEM, "read-resource", "\"include-runtime\":true");
            assertTrue(subsystem.number("dispatch-running") >= 2 && subsystem.number("dispatch-queued") >= 2
                    && subsystem.number("dispatch-refused") >= deployment.number("dispatch-refused"), "the sums over the deployments: " + subsystem.json());
            for (java.net.Socket c : clients) {
                c.setSoLinger(true, 0); // an abortive close: the blocked writes fail at once
                c.close();
            }
            awaitGate(readDeployment, 0, 0, Duration.ofSeconds(30), "the gate empties once the clients went away");
        } finally {
            for (java.net.Socket c : clients) {
                c.close();
            }
            WildFlyManagement.Answer u = MANAGEMENT.onSubsystem(SUBSYSTEM, "undefine-attribute", "\"name\":\"max-dispatched\"");
            assertTrue(u.succeeded(), u.toString());
            MANAGEMENT.reloadAndAwaitRunning(Duration.ofSeconds(90));
            awaitDeployment();
        }
    }

    /** Waits until {@code read} (a deployment's read-resource) shows {@code running} and {@code queued} in its gate. */
    private static void awaitGate(String read, long running, long queued, Duration deadline, String what) {
        WildFlyManagement.Answer[] gate = new WildFlyManagement.Answer[1];
        Waits.await(() -> {
            try {
                gate[0] = MANAGEMENT.execute(read);
                return gate[0].number("dispatch-running") == running && gate[0].number("dispatch-queued") == queued;
            } catch (IOException e) {
                return false;
            }
        }, deadline, () -> what + ": " + gate[0]);
    }

    @Test
    void aChunkSizeWrittenWithTheManagementApiIsSeenInAResponseAfterAReload() throws Exception {
        WildFlyManagement.Answer w = MANAGEMENT.onSubsystem(SUBSYSTEM, "write-attribute", "\"name\":\"chunk-size\",\"value\":49152");
        assertTrue(w.succeeded(), w.toString());
        assertTrue(w.json().contains("\"operation-requires-reload\" : true"), "the attribute takes effect on reload: " + w);
        HttpResponse<InputStream> beforeReload = download(10);
        beforeReload.body().close();
        assertFalse(optionsOf(beforeReload).contains("chunk-size=49152"), "not before the reload: " + optionsOf(beforeReload));

        MANAGEMENT.reloadAndAwaitRunning(Duration.ofSeconds(90));
        awaitDeployment();

        long size = 1L << 20;
        HttpResponse<InputStream> r = download(size);
        assertTrue(optionsOf(r).contains("chunk-size=49152"), "the new chunk size: " + optionsOf(r));
        assertTrue(optionsOf(r).contains("read-ahead=2"), "the other attributes kept: " + optionsOf(r));
        assertEquals(Pattern.digest(size), Pattern.digest(r.body()));
    }
}
