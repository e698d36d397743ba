package io.github.undertowstreaming.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;

/**
 * WildFly's HTTP management API (JSON over {@code POST /management}), as a user reaches it with
 * {@code curl --digest}: the test server's management user {@code it-admin} (see
 * src/wildfly/extra/standalone/configuration/mgmt-users.properties). The management interface
 * authenticates with HTTP Digest, which {@link HttpURLConnection} answers and
 * {@code java.net.http.HttpClient} does not.
 */
public final class WildFlyManagement {

    private static final Authenticator USER = new Authenticator() {
        @Override
        protected PasswordAuthentication getPasswordAuthentication() {
            return new PasswordAuthentication("it-admin", "it-password-1".toCharArray());
        }
    };

    private final URI endpoint;

    public WildFlyManagement(int port) {
        this.endpoint = URI.create("http://127.0.0.1:" + port + "/management");
    }

    /** Runs one operation, e.g. {@code {"operation":"read-resource","address":[...]}}; returns the JSON answer. */
    public Answer execute(String operationJson) throws IOException {
        HttpURLConnection c = (HttpURLConnection) endpoint.toURL().openConnection();
        c.setAuthenticator(USER);
        c.setConnectTimeout(5_000);
        c.setReadTimeout(30_000);
        c.setRequestMethod("POST");
        c.setRequestProperty("Content-Type", "application/json");
        c.setDoOutput(true);
        try (OutputStream out = c.getOutputStream()) {
            out.write(operationJson.getBytes(StandardCharsets.UTF_8));
        }
        int status = c.getResponseCode();
        InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (in != null) {
            try (in) {
                in.transferTo(body);
            }
        }
        return new Answer(status, body.toString(StandardCharsets.UTF_8));
    }

    /** An operation on {@code /subsystem=NAME}. */
    public Answer onSubsystem(String subsystem, String operation, String moreJson) throws IOException {
        return execute("{\"operation\":\"" + operation + "\",\"address\":[{\"subsystem\":\"" + subsystem + "\"}]"
                + (moreJson.isEmpty() ? "" : "," + moreJson) + "}");
    }

    /**
     * Reloads the server and waits until the reloaded one runs: until its {@code server-state}
     * is {@code running} again, which it was not before (it was {@code reload-required}).
     */
    public void reloadAndAwaitRunning(Duration deadline) throws IOException {
        Answer reload = execute("{\"operation\":\"reload\"}");
        if (!reload.succeeded()) {
            throw new AssertionError("reload failed: " + reload);
        }
        Waits.await(() -> {
            try {
                Answer state = execute("{\"operation\":\"read-attribute\",\"name\":\"server-state\"}");
                return state.succeeded() && "running".equals(state.string("result"));
            } catch (IOException e) {
                return false; // the management interface restarts with the server
            }
        }, deadline, () -> "the server did not run again after the reload");
    }

    /** A JSON answer; values are found by key, which is enough for the flat results these tests read. */
    public static final class Answer {
        private final int status;
        private final String json;

        Answer(int status, String json) {
            this.status = status;
            this.json = json;
        }

        public boolean succeeded() {
            return status == 200 && "success".equals(string("outcome"));
        }

        /** A string value by key, or null. */
        public String string(String key) {
            Matcher m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(key) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
            return m.find() ? m.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : null;
        }

        /** A number by key; fails if there is none. */
        public long number(String key) {
            Matcher m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(key) + "\"\\s*:\\s*(-?\\d+)").matcher(json);
            if (!m.find()) {
                throw new AssertionError("no number " + key + " in " + json);
            }
            return Long.parseLong(m.group(1));
        }

        public String json() {
            return json;
        }

        @Override
        public String toString() {
            return status + " " + json;
        }
    }
}
