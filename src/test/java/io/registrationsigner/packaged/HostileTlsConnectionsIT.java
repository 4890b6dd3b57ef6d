package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.registrationsigner.testing.ContainerJvm;
import io.registrationsigner.testing.Http2Wire;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.smallrye.certs.CertificateGenerator;
import io.smallrye.certs.CertificateRequest;
import io.smallrye.certs.Format;

/**
 * The connection limits hold on the Kubernetes shape of the port too: TLS, a trust store for
 * callers' certificates, and an anonymous client that presents none.
 */
class HostileTlsConnectionsIT {

    private static RedisProcess redis;
    private static ServiceProcess service;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Path.of("target", "test-resources", "hostile-tls-" + UUID.randomUUID()).toAbsolutePath();
        Path certificates = Files.createDirectories(dir.resolve("certs"));
        CertificateGenerator generator = new CertificateGenerator(certificates, true);
        generator.generate(new CertificateRequest().withName("server").withCN("localhost").withFormat(Format.PEM));
        generator.generate(new CertificateRequest().withName("caller").withCN("backend.payments.svc").withFormat(Format.PEM)
                .withClientCertificate());
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.tls.signer.key-store.pem.server.cert", certificates.resolve("server.crt").toString());
        config.put("quarkus.tls.signer.key-store.pem.server.key", certificates.resolve("server.key").toString());
        config.put("quarkus.tls.signer.trust-store.pem.certs", certificates.resolve("caller-server-ca.crt").toString());
        config.put("signer.server.tls-configuration-name", "signer");
        config.put("signer.auth.allow-anonymous", "false");
        config.put("signer.auth.callers.mesh.certificate-dns", "backend.payments.svc");
        config.put("signer.auth.callers.mesh.applications", "*");
        redis = RedisProcess.server(dir.resolve("redis"));
        config.put("quarkus.redis.hosts", redis.uri());
        service = ServiceProcess.startWithVector("hostile-tls", config, ContainerJvm.options());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (service != null) {
            service.close();
        }
        redis.close();
    }

    @Test
    void streamsOverTheLimitAreRefusedOverTlsWithoutAClientCertificate() throws Exception {
        try (Http2Wire wire = Http2Wire.connectTls(service.url())) {
            assertEquals(128, wire.serverSetting(Http2Wire.SETTINGS_MAX_CONCURRENT_STREAMS).orElse(Integer.MAX_VALUE));
            int sent = 0;
            try {
                for (; sent < 5_000 && !wire.isClosed(); sent++) {
                    wire.headers(1 + 2 * sent, "/grpc.health.v1.Health/Check", Map.of(), false);
                    if (sent % 500 == 499) {
                        wire.flush();
                    }
                }
                wire.flush();
            } catch (IOException closedByTheService) {
                // what the test waits for
            }
            assertTrue(wire.awaitClosed(Duration.ofSeconds(10)), "still open after " + sent + " streams");
            System.out.printf("TLS, no client certificate: %d streams sent, %d refused before the connection closed%n", sent,
                    wire.received(Http2Wire.RST_STREAM));
        }
        assertTrue(service.awaitExit(Duration.ZERO).isEmpty(), "the service died");
    }

    @Test
    void aConnectionThatNeverHandshakesOrNeverCallsIsClosed() throws Exception {
        long start = System.nanoTime();
        try (Http2Wire tcp = Http2Wire.tcp(service.url()); Http2Wire idle = Http2Wire.connectTls(service.url())) {
            assertTrue(tcp.awaitClosed(Duration.ofSeconds(8)), "a connection without a TLS handshake is still open");
            long handshake = tcp.closedAt() - start;
            assertTrue(idle.awaitClosed(Duration.ofSeconds(15)), "a TLS connection without a call is still open");
            long noCall = idle.closedAt() - start;
            System.out.printf("TLS: no handshake closed after %d ms, no call after %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(handshake), TimeUnit.NANOSECONDS.toMillis(noCall));
        }
    }
}
