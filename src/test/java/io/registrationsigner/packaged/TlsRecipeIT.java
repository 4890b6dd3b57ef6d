package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    private static final String DOCUMENTED_DIR = "/etc/signer/tls/";
    private static final String CALLER_DNS = "backend.payments.svc";

    @Test
    void theDocumentedPropertiesServeGrpcOverTlsOnTheirPortToACallerNamedByCertificate() throws Exception {
        Properties recipe = Docs.propertiesBlock(Docs.SECURITY, "signer.server.tls-configuration-name");
        assertFalse(recipe.stringPropertyNames().stream().anyMatch(name -> name.endsWith("port")),
                "TLS stays on 8080, the port every manifest and image exposes: " + recipe);

        Path dir = Path.of("target", "test-resources", "tls-recipe-" + UUID.randomUUID()).toAbsolutePath();
        Path certificates = Files.createDirectories(dir.resolve("certs"));
        CertificateGenerator generator = new CertificateGenerator(certificates, true);
        generator.generate(new CertificateRequest().withName("server").withCN("localhost").withFormat(Format.PEM));
        generator.generate(new CertificateRequest().withName("caller").withCN(CALLER_DNS).withFormat(Format.PEM)
                .withClientCertificate());
        Files.copy(certificates.resolve("server.crt"), certificates.resolve("tls.crt"));
        Files.copy(certificates.resolve("server.key"), certificates.resolve("tls.key"));
        Files.copy(certificates.resolve("caller-server-ca.crt"), certificates.resolve("ca.crt"));

        int port = Nginx.freePort();
        Map<String, String> config = new HashMap<>();
        recipe.stringPropertyNames().forEach(name -> config.put(name,
                recipe.getProperty(name).replace(DOCUMENTED_DIR, certificates + "/")));
        config.put("quarkus.grpc.server.port", Integer.toString(port));
        config.put("signer.auth.allow-anonymous", "false");
        config.put("signer.auth.callers.mesh.certificate-dns", CALLER_DNS);
        config.put("signer.auth.callers.mesh.applications", "*");

        try (RedisProcess redis = RedisProcess.server(dir.resolve("redis"))) {
            config.put("quarkus.redis.hosts", redis.uri());
            try (ServiceProcess service = ServiceProcess.startWithVector("tls-recipe-service", config)) {
                String log = Files.readString(service.log());
                assertTrue(log.contains("Started gRPC server on 0.0.0.0:" + port + " [TLS enabled: true]"), log);
                assertFalse(log.contains("Listening on: http"), "an HTTP port is open too");

                ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", port)
                        .sslContext(GrpcSslContexts.forClient().trustManager(certificates.resolve("server-ca.crt").toFile())
                                .keyManager(certificates.resolve("caller-client.crt").toFile(),
                                        certificates.resolve("caller-client.key").toFile())
                                .build())
                        .build();
                try {
                    assertEquals(1, RegistrationSignerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                            .signRegistration(SignRegistrationRequest.newBuilder().setUserId("over-tls")
                                    .setApplicationKey(TestApplication.VECTOR.key()).build())
                            .getSequence());
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        }
    }
}
