package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.testing.Docs;
import io.registrationsigner.testing.Nginx;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.TestApplication;
import io.smallrye.certs.CertificateGenerator;
import io.smallrye.certs.CertificateRequest;
import io.smallrye.certs.Format;

/**
 * The TLS recipe of docs/security.md, exactly as written (only its files and, for the test, its port moved):
 * gRPC over TLS alone on the recipe's port, and a caller named by the DNS SAN of its certificate.
 */
class TlsRecipeIT {

    private static final String DOCUMENTED_DIR = "/etc/signer/";
    private static final String CALLER_DNS = "backend.payments.svc";

    @Test
    void theDocumentedPropertiesServeGrpcOverTlsOnTheirPortToACallerNamedByCertificate() throws Exception {
        Properties recipe = Docs.propertiesBlock(Docs.SECURITY, "signer.server.tls-configuration-name");
        assertFalse(recipe.stringPropertyNames().stream().anyMatch(name -> name.endsWith("port")),
                "TLS stays on 8080, the port every manifest and image exposes: " + recipe);

        Path dir = Path.of("target", "test-resources", "tls-recipe-" + UUID.randomUUID()).toAbsolutePath();
        Path certificates = certificates(dir);
        // The recipe's layout: the server's certificate in tls/, the CA of the callers (not the server's) in callers-ca/.
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.copy(certificates.resolve("server.crt"), Files.createDirectories(etc.resolve("tls")).resolve("tls.crt"));
        Files.copy(certificates.resolve("server.key"), etc.resolve("tls").resolve("tls.key"));
        Files.copy(certificates.resolve("caller-server-ca.crt"), Files.createDirectories(etc.resolve("callers-ca")).resolve("ca.crt"));

        int port = Nginx.freePort();
        Map<String, String> config = new HashMap<>();
        recipe.stringPropertyNames().forEach(name -> config.put(name,
                recipe.getProperty(name).replace(DOCUMENTED_DIR, etc + "/")));
        config.put("quarkus.grpc.server.port", Integer.toString(port));
        config.put("signer.auth.allow-anonymous", "false");
        config.put("signer.auth.callers.mesh.certificate-dns", CALLER_DNS);
        config.put("signer.auth.callers.mesh.applications", "*");

        try (RedisProcess redis = RedisProcess.server(dir.resolve("redis"))) {
            config.put("quarkus.redis.hosts", redis.uri());
            try (ServiceProcess service = ServiceProcess.startWithVector("tls-recipe-service", config)) {
                String log = Files.readString(service.log());
                assertTrue(log.contains("Started gRPC server on 0.0.0.0:" + port + " [TLS enabled: true, transport: "), log);
                assertFalse(log.contains("Listening on: http"), "an HTTP port is open too");

                assertEquals(1, signOverTls(port, certificates, "caller"));
                // The same name from a CA the service does not trust for callers is nobody.
                StatusRuntimeException impostor = assertThrows(StatusRuntimeException.class,
                        () -> signOverTls(port, certificates, "impostor"));
                assertTrue(impostor.getStatus().getCode() == Status.Code.UNAUTHENTICATED
                        || impostor.getStatus().getCode() == Status.Code.UNAVAILABLE, impostor.getStatus().toString());
            }
        }
    }

    @Test
    void withoutANameTheUnnamedTlsConfigurationServesTls() throws Exception {
        Path dir = Path.of("target", "test-resources", "tls-unnamed-" + UUID.randomUUID()).toAbsolutePath();
        Path certificates = certificates(dir);
        int port = Nginx.freePort();
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.tls.key-store.pem.server.cert", certificates.resolve("server.crt").toString());
        config.put("quarkus.tls.key-store.pem.server.key", certificates.resolve("server.key").toString());
        config.put("quarkus.grpc.server.port", Integer.toString(port));
        try (RedisProcess redis = RedisProcess.server(dir.resolve("redis"))) {
            config.put("quarkus.redis.hosts", redis.uri());
            try (ServiceProcess service = ServiceProcess.startWithVector("tls-unnamed-service", config)) {
                String log = Files.readString(service.log());
                assertTrue(log.contains("Started gRPC server on 0.0.0.0:" + port + " [TLS enabled: true, transport: "), log);
                // No trust store: no client certificate asked for; the anonymous caller of startWithVector signs.
                assertEquals(1, signOverTls(port, certificates, null));
            }
        }
    }

    /** The server's certificate and key, and a caller's client certificate of CALLER_DNS. */
    private static Path certificates(Path dir) throws Exception {
        Path certificates = Files.createDirectories(dir.resolve("certs"));
        CertificateGenerator generator = new CertificateGenerator(certificates, true);
        generator.generate(new CertificateRequest().withName("server").withCN("localhost").withFormat(Format.PEM));
        generator.generate(new CertificateRequest().withName("caller").withCN(CALLER_DNS).withFormat(Format.PEM)
                .withClientCertificate());
        generator.generate(new CertificateRequest().withName("impostor").withCN(CALLER_DNS).withFormat(Format.PEM)
                .withClientCertificate());
        return certificates;
    }

    /** @param client the name of the client certificate to present, or null for none */
    private static long signOverTls(int port, Path certificates, String client) throws Exception {
        var ssl = GrpcSslContexts.forClient().trustManager(certificates.resolve("server-ca.crt").toFile());
        if (client != null) {
            ssl.keyManager(certificates.resolve(client + "-client.crt").toFile(), certificates.resolve(client + "-client.key").toFile());
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", port).sslContext(ssl.build()).build();
        try {
            return RegistrationSignerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .signRegistration(SignRegistrationRequest.newBuilder().setUserId("over-tls")
                            .setApplicationKey(TestApplication.VECTOR.key()).build())
                    .getSequence();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
