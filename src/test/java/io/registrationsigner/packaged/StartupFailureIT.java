package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.smallrye.certs.CertificateGenerator;
import io.smallrye.certs.CertificateRequest;
import io.smallrye.certs.Format;

import io.registrationsigner.testing.TestApplication.StartupSecrets;
import io.registrationsigner.testing.TestApplication;

/** The packaged service refuses to start on a bad application configuration, and says why without the secret. */
class StartupFailureIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    @Test
    void aSecretThatIsNotBase64StopsStartUp() throws Exception {
        String output = startAndExpectFailure(
                "-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                "-Dsigner.applications.payments.secret=" + StartupSecrets.NOT_BASE64);
        assertTrue(output.contains("Application 'payments': signer.applications.payments.secret is not valid Base64"), output);
        assertFalse(output.contains(StartupSecrets.NOT_BASE64), "the secret was printed");
    }

    @Test
    void aMissingKeyStopsStartUp() throws Exception {
        String output = startAndExpectFailure("-Dsigner.applications.payments.secret=" + StartupSecrets.WITHOUT_KEY);
        assertTrue(output.contains("signer.applications.payments.key"), output);
        assertFalse(output.contains(StartupSecrets.WITHOUT_KEY), "the secret was printed");
    }

    @Test
    void theProdProfileRefusesToStartWithoutCallerAuthentication() throws Exception {
        String output = startAndExpectFailureWithoutCallers(
                "-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                "-Dsigner.applications.payments.secret=" + StartupSecrets.WITHOUT_KEY);
        assertTrue(output.contains("No caller authentication is configured"), output);
        assertTrue(output.contains("signer.auth.allow-anonymous=true"), output);
    }

    @Test
    void aCallerTokenHashOfTheEmptyStringStopsStartUp() throws Exception {
        // What `printf %s "$TOKEN" | sha256sum` gives when TOKEN is unset.
        String output = startAndExpectFailureWithoutCallers(
                "-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                "-Dsigner.applications.payments.secret=" + TestApplication.OTHER.secret(),
                "-Dsigner.auth.callers.backend.token-sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "-Dsigner.auth.callers.backend.applications=*");
        assertTrue(output.contains("signer.auth.callers.backend.token-sha256 is the SHA-256 of the empty string"), output);
    }

    @Test
    void aRedisPasswordInTheHostsStopsStartUpWithoutBeingPrinted() throws Exception {
        // A '|' makes the URI unparsable: the configuration's own message would quote it whole.
        for (String hosts : new String[] { "redis://:" + StartupSecrets.REDIS_PASSWORD + "@127.0.0.1:1",
                "redis://default:" + StartupSecrets.REDIS_PASSWORD + "@127.0.0.1:1" }) {
            String output = startAndExpectFailure("-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                    "-Dsigner.applications.payments.secret=" + TestApplication.OTHER.secret(),
                    "-Dquarkus.redis.hosts=" + hosts);
            assertTrue(output.contains("quarkus.redis.hosts holds a password"), output);
            assertFalse(output.contains(StartupSecrets.REDIS_PASSWORD), "the Redis password was printed");
        }
    }

    @Test
    void callersNamedByCertificateNeedATrustStoreOfTheServicesOwn() throws Exception {
        String[] application = { "-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                "-Dsigner.applications.payments.secret=" + TestApplication.OTHER.secret(),
                "-Dsigner.auth.callers.mesh.certificate-uri=spiffe://cluster.local/ns/payments/sa/backend",
                "-Dsigner.auth.callers.mesh.applications=*" };
        String withoutTls = startAndExpectFailureWithoutCallers(application);
        assertTrue(withoutTls.contains("Callers are named by client certificate, but the service port has no TLS"), withoutTls);

        Path certificates = Files.createDirectories(Path.of("target", "test-resources", "startup-tls-" + System.nanoTime()));
        new CertificateGenerator(certificates, true).generate(new CertificateRequest().withName("server")
                .withCN("localhost").withFormat(Format.PEM));
        List<String> tlsWithoutTrustStore = new ArrayList<>(List.of(application));
        tlsWithoutTrustStore.addAll(List.of(
                "-Dquarkus.tls.signer.key-store.pem.server.cert=" + certificates.resolve("server.crt"),
                "-Dquarkus.tls.signer.key-store.pem.server.key=" + certificates.resolve("server.key"),
                "-Dsigner.server.tls-configuration-name=signer"));
        String withoutTrustStore = startAndExpectFailureWithoutCallers(tlsWithoutTrustStore.toArray(String[]::new));
        assertTrue(withoutTrustStore.contains("but quarkus.tls.signer has no trust store of its own"), withoutTrustStore);
    }

    @Test
    void aTlsConfigurationNameWithoutItsKeyStoreStopsStartUp() throws Exception {
        // A misspelt name must not leave the port in plain text.
        String output = startAndExpectFailure("-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                "-Dsigner.applications.payments.secret=" + TestApplication.OTHER.secret(),
                "-Dsigner.server.tls-configuration-name=sigenr");
        assertTrue(output.contains("signer.server.tls-configuration-name is sigenr, but quarkus.tls.sigenr.key-store"
                + " is not configured"), output);
        assertTrue(output.contains("The gRPC server is not listening"), output);
    }

    @Test
    void aGrpcPortInUseStopsStartUp() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            String output = startAndExpectFailure("-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                    "-Dsigner.applications.payments.secret=" + TestApplication.OTHER.secret(),
                    "-Dquarkus.grpc.server.host=0.0.0.0", "-Dquarkus.grpc.server.port=" + taken.getLocalPort());
            assertTrue(output.contains("The gRPC server is not listening"), output);
        }
    }

    @Test
    void noApplicationStopsStartUp() throws Exception {
        String output = startAndExpectFailure();
        assertTrue(output.contains("No Sinch application is configured"), output);
    }

    /** Every other configuration is right: anonymous callers are allowed. */
    private static String startAndExpectFailure(String... properties) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(properties));
        all.add("-Dsigner.auth.allow-anonymous=true");
        return startAndExpectFailureWithoutCallers(all.toArray(String[]::new));
    }

    private static String startAndExpectFailureWithoutCallers(String... properties)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dquarkus.grpc.server.port=0");
        // Nothing listens there: start-up must fail on the configuration, before Redis matters.
        command.add("-Dquarkus.redis.hosts=redis://127.0.0.1:1");
        command.addAll(List.of(properties)); // a later -D of the same name wins
        command.add("-jar");
        command.add(JAR.toString());
        // Next to the other logs of the test run, which are all searched for secrets.
        Path logs = Files.createDirectories(Path.of("target", "test-logs"));
        Path log = Files.createTempFile(logs, "startup-failure-", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(exited, "still running after 60 s:\n" + output);
        assertNotEquals(0, process.exitValue(), output);
        return output;
    }
}
