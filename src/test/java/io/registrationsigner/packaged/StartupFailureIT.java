package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/**
 * The packaged service refuses to start on a bad configuration, and says why without the secret:
 * one message at the end that lists every missing or wrong setting and where it is documented,
 * without a stack trace.
 */
class StartupFailureIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final String CANNOT_START = "The service cannot start with this configuration";

    @Test
    void everyProblemOfTheConfigurationIsListedInOneMessage() throws Exception {
        // Neither Redis, nor an application, nor caller authentication: what production requires.
        String output = run(List.of());
        assertOneMessageThatEndsTheOutput(output);
        assertTrue(output.contains(CANNOT_START + " (3 problems):"), output);
        assertTrue(output.contains("quarkus.redis.hosts (QUARKUS_REDIS_HOSTS) is not set"), output);
        assertTrue(output.contains("No Sinch application is configured"), output);
        assertTrue(output.contains("No caller authentication is configured"), output);
        for (String documentation : new String[] { "(docs/redis.md#topologies)", "(docs/configuration.md#applications)",
                "(docs/security.md#callers)" }) {
            assertTrue(output.contains(documentation), output);
        }
    }

    @Test
    void problemsOfEveryPartAreListedTogether() throws Exception {
        String output = startAndExpectFailureWithoutCallers(
                "-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                "-Dsigner.applications.payments.secret=" + StartupSecrets.NOT_BASE64,
                "-Dsigner.applications.other.secret=" + StartupSecrets.WITHOUT_KEY,
                "-Dsigner.auth.callers.backend.token-sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "-Dsigner.server.tls-configuration-name=sigenr",
                "-Dsigner.token.min-ttl=30s",
                "-Dsigner.sequence.floor=none", "-Dsigner.sequence.ttl=1d");
        assertOneMessageThatEndsTheOutput(output);
        for (String problem : new String[] {
                "signer.applications.payments.secret is not valid Base64",
                "signer.applications.other.key is not set",
                "signer.auth.callers.backend.applications is not set",
                "signer.auth.callers.backend.token-sha256 is the SHA-256 of the empty string",
                "signer.server.tls-configuration-name is sigenr, but quarkus.tls.sigenr.key-store is not configured",
                "signer.token.min-ttl must be at least 60s",
                "signer.sequence.ttl needs signer.sequence.floor=epoch-millis" }) {
            assertTrue(output.contains(problem), problem + " is missing from:\n" + output);
        }
        assertTrue(output.contains(CANNOT_START + " (7 problems):"), output);
        assertFalse(output.contains(StartupSecrets.NOT_BASE64), "the secret was printed");
        assertFalse(output.contains(StartupSecrets.WITHOUT_KEY), "the secret was printed");
    }

    @Test
    void aSecretThatIsNotBase64StopsStartUp() throws Exception {
        String output = startAndExpectFailure(
                "-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                "-Dsigner.applications.payments.secret=" + StartupSecrets.NOT_BASE64);
        assertOneMessageThatEndsTheOutput(output);
        assertTrue(output.contains("Application 'payments': signer.applications.payments.secret is not valid Base64"), output);
        assertFalse(output.contains(StartupSecrets.NOT_BASE64), "the secret was printed");
    }

    @Test
    void aMissingKeyStopsStartUp() throws Exception {
        String output = startAndExpectFailure("-Dsigner.applications.payments.secret=" + StartupSecrets.WITHOUT_KEY);
        assertOneMessageThatEndsTheOutput(output);
        assertTrue(output.contains("signer.applications.payments.key is not set"), output);
        assertFalse(output.contains(StartupSecrets.WITHOUT_KEY), "the secret was printed");
    }

    @Test
    void theProdProfileRefusesToStartWithoutCallerAuthentication() throws Exception {
        String output = startAndExpectFailureWithoutCallers(
                "-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                "-Dsigner.applications.payments.secret=" + StartupSecrets.WITHOUT_KEY);
        assertOneMessageThatEndsTheOutput(output);
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
        assertOneMessageThatEndsTheOutput(output);
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
            // Reported by Quarkus as the configuration is read, in a message of its own.
            assertNoStackTrace(output);
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
        assertOneMessageThatEndsTheOutput(withoutTls);
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
        assertOneMessageThatEndsTheOutput(withoutTrustStore);
        assertTrue(withoutTrustStore.contains("but quarkus.tls.signer has no trust store of its own"), withoutTrustStore);
    }

    @Test
    void aTlsConfigurationNameWithoutItsKeyStoreStopsStartUp() throws Exception {
        // A misspelt name must not leave the port in plain text.
        String output = startAndExpectFailure("-Dsigner.applications.payments.key=" + TestApplication.OTHER.key(),
                "-Dsigner.applications.payments.secret=" + TestApplication.OTHER.secret(),
                "-Dsigner.server.tls-configuration-name=sigenr");
        assertOneMessageThatEndsTheOutput(output);
        assertTrue(output.contains("signer.server.tls-configuration-name is sigenr, but quarkus.tls.sigenr.key-store"
                + " is not configured (docs/security.md#tls)"), output);
        // Stopped before the server was built: no port was opened, in plain text or otherwise.
        assertFalse(output.contains("Started gRPC server"), output);
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
        assertOneMessageThatEndsTheOutput(output);
        assertTrue(output.contains(CANNOT_START + ":"), output);
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
        List<String> all = new ArrayList<>();
        // Nothing listens there: start-up must fail on the configuration, before Redis matters.
        all.add("-Dquarkus.redis.hosts=redis://127.0.0.1:1");
        all.addAll(List.of(properties)); // a later -D of the same name wins
        return run(all);
    }

    private static String run(List<String> properties) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dquarkus.grpc.server.port=0");
        command.add("-Dquarkus.management.port=0");
        command.addAll(properties);
        command.add("-jar");
        command.add(JAR.toString());
        // Next to the other logs of the test run, which are all searched for secrets.
        Path logs = Files.createDirectories(Path.of("target", "test-logs"));
        Path log = Files.createTempFile(logs, "startup-failure-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // Only what the test sets: not a Redis of the environment's.
        builder.environment().keySet().removeIf(name -> name.startsWith("QUARKUS_") || name.startsWith("SIGNER_"));
        Process process = builder.start();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(exited, "still running after 60 s:\n" + output);
        assertNotEquals(0, process.exitValue(), output);
        return output;
    }

    /** The service's message, once, as the last thing it printed; no stack trace, no other error. */
    private static void assertOneMessageThatEndsTheOutput(String output) {
        assertNoStackTrace(output);
        int message = output.indexOf(CANNOT_START);
        assertTrue(message >= 0, output);
        assertEquals(message, output.lastIndexOf(CANNOT_START), "said twice:\n" + output);
        String before = output.substring(0, message);
        assertFalse(before.contains("ERROR"), "an error before the message:\n" + output);
        assertTrue(output.substring(message).lines().skip(1).allMatch(line -> line.startsWith("  - ")),
                "more after the message:\n" + output);
    }

    private static void assertNoStackTrace(String output) {
        assertFalse(output.contains("\tat "), "a stack trace:\n" + output);
    }
}
