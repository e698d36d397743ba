package io.github.undertowstreaming.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The demo's TLS: a self-signed certificate for 127.0.0.1 and localhost, made when the server
 * starts with {@code --tls}, by the JDK's own {@code keytool} run as a process (an EC key pair on
 * P-256, valid for 30 days), read back into memory; the files are deleted at once. Clients accept
 * it only when told to ({@code curl -k}). Blocks for the second or so keytool takes: call it
 * before the server starts, never on an IO thread.
 */
final class SelfSigned {

    private SelfSigned() {
    }

    /** A server-side TLS context that presents a certificate made now. */
    static SSLContext serverContext() {
        char[] password = UUID.randomUUID().toString().toCharArray();
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore(password), password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("--tls: making the self-signed certificate failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("--tls: interrupted while keytool made the certificate", e);
        }
    }

    private static KeyStore keyStore(char[] password) throws IOException, GeneralSecurityException, InterruptedException {
        Path dir = Files.createTempDirectory("undertow-streaming-demo-tls");
        Path file = dir.resolve("demo.p12");
        try {
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "demo",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30",
                    "-dname", "CN=undertow-streaming demo", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                    "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", new String(password)))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool took longer than 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("keytool exited with " + p.exitValue() + ": " + out);
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file)) {
                ks.load(in, password);
            }
            return ks;
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
