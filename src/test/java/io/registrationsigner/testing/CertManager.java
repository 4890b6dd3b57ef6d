package io.registrationsigner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Certificates as cert-manager issues them into a Secret, made with openssl: tls.crt, tls.key
 * (ECDSA P-256, PKCS#1/SEC1 "EC PRIVATE KEY", cert-manager's default encoding) and ca.crt, the
 * issuing CA. A CA Certificate is self-signed with CA:TRUE; a leaf has only SANs, no subject.
 */
public final class CertManager {

    private CertManager() {
    }

    /** A self-signed CA, as cert-manager's {@code selfSigned} Issuer makes an {@code isCA} Certificate. */
    public static Path ca(Path dir, String commonName) {
        try {
            Files.createDirectories(dir);
            openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "tls.key");
            openssl(dir, "req", "-x509", "-new", "-key", "tls.key", "-days", "3", "-subj", "/CN=" + commonName,
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign",
                    "-out", "tls.crt");
            Files.copy(dir.resolve("tls.crt"), dir.resolve("ca.crt"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A leaf certificate from {@code ca} for these DNS names, with the extended key usage
     * {@code serverAuth} or {@code clientAuth}.
     */
    public static Path issue(Path ca, Path dir, List<String> dnsNames, String extendedKeyUsage) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("extensions.cnf"), String.join("\n",
                    "basicConstraints=critical,CA:FALSE",
                    "keyUsage=critical,digitalSignature,keyEncipherment",
                    "extendedKeyUsage=" + extendedKeyUsage,
                    "subjectAltName=critical," + String.join(",", dnsNames.stream().map(name -> "DNS:" + name).toList()),
                    ""));
            openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "tls.key");
            openssl(dir, "req", "-new", "-key", "tls.key", "-subj", "/", "-out", "tls.csr");
            openssl(dir, "x509", "-req", "-in", "tls.csr", "-CA", ca.resolve("tls.crt").toString(), "-CAkey",
                    ca.resolve("tls.key").toString(), "-CAcreateserial", "-days", "3", "-extfile", "extensions.cnf",
                    "-out", "tls.crt");
            Files.copy(ca.resolve("tls.crt"), dir.resolve("ca.crt"));
            // grpc-java's Netty client reads PKCS#8 keys only; the Secret's own tls.key stays as issued.
            openssl(dir, "pkcs8", "-topk8", "-nocrypt", "-in", "tls.key", "-out", "tls-pkcs8.key");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether openssl is on the PATH. */
    public static boolean available() {
        try {
            return Command.run(Path.of("."), Map.of(), Duration.ofSeconds(10), List.of("openssl", "version")).exitCode() == 0;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    private static void openssl(Path dir, String... arguments) {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Command result = Command.run(dir, Map.of(), Duration.ofSeconds(30), command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + result.output());
        }
    }
}
