package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.RegistrationSignerGrpc.RegistrationSignerBlockingStub;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.testing.LogScan;
import io.registrationsigner.testing.Nginx;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.Signatures;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;
import io.registrationsigner.testing.Tokens;
import io.smallrye.certs.CertificateGenerator;
import io.smallrye.certs.CertificateRequest;
import io.smallrye.certs.Format;

/**
 * The packaged service behind a real nginx running the shipped gateway configuration
 * (docker/nginx/templates): an app calls over TLS and HTTP/2 with its session, the gateway checks
 * it with the (demo) identity service and calls the service as caller "gateway" for that user.
 */
@QuarkusIntegrationTest
@WithTestResource(value = SignerTestResource.class, initArgs = @ResourceArg(name = SignerTestResource.AUTH, value = "callers"))
class GatewayIT extends ServiceTestBase {

    private static final Path DIR = Path.of("target", "test-resources", "gateway-" + UUID.randomUUID());
    private static Nginx gateway;
    private static int gatewayPort;

    @BeforeEach
    void startGateway() throws Exception {
        if (gateway == null) {
            gatewayPort = Nginx.freePort();
            gateway = startNginx(DIR.resolve("nginx"), "127.0.0.1:" + url.getPort(), gatewayPort);
        }
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
        LogScan.keepPackagedServiceLog(GatewayIT.class);
    }

    @Test
    void anAppSignsOverTlsAsTheUserItsSessionNames() throws Exception {
        RegistrationSignerBlockingStub app = app("Bearer demo-session-alice");
        SignRegistrationResponse first = app.signRegistration(sign("alice"));
        SignRegistrationResponse second = app.signRegistration(sign("alice"));

        assertEquals(1, first.getSequence());
        assertEquals(2, second.getSequence());
        assertEquals(Signatures.expected("alice", TestApplication.VECTOR.key(), 1, TestApplication.VECTOR.secret()),
                first.getSignature());
        assertEquals(Signatures.expected("alice", TestApplication.VECTOR.key(), 2, TestApplication.VECTOR.secret()),
                second.getSignature());
    }

    @Test
    void anAppGetsARegistrationTokenThroughTheGateway() throws Exception {
        String token = app("Bearer demo-session-carol").issueRegistrationToken(IssueRegistrationTokenRequest.newBuilder()
                .setApplicationKey(TestApplication.VECTOR.key()).setUserId("carol").build()).getToken();
        assertTrue(Tokens.independentlyVerified(token, TestApplication.VECTOR.secret()));
        assertTrue(Tokens.claims(token).get("sub").toString().endsWith("/users/carol"), Tokens.claims(token).toString());
    }

    @Test
    void theGatewaysUserHeaderReachesTheServiceAndAnAppCannotSetIt() throws Exception {
        // alice asks for bob: the service sees x-end-user-id alice and refuses.
        StatusRuntimeException forBob = assertThrows(StatusRuntimeException.class,
                () -> app("Bearer demo-session-alice").signRegistration(sign("bob")));
        assertEquals(Status.Code.PERMISSION_DENIED, forBob.getStatus().getCode(), forBob.getStatus().toString());
        assertTrue(forBob.getStatus().getDescription().contains(TestCaller.USER_HEADER), forBob.getStatus().toString());

        // ... also when she sends the header herself: the gateway replaces it.
        StatusRuntimeException forged = assertThrows(StatusRuntimeException.class,
                () -> app("Bearer demo-session-alice", TestCaller.USER_HEADER, "bob").signRegistration(sign("bob")));
        assertEquals(Status.Code.PERMISSION_DENIED, forged.getStatus().getCode(), forged.getStatus().toString());
        assertEquals("dave", app("Bearer demo-session-dave", TestCaller.USER_HEADER, "bob")
                .signRegistration(sign("dave")).getUserId());
    }

    @Test
    void anAppWithoutAValidSessionIsUnauthenticatedAtTheGateway() {
        for (String authorization : new String[] { null, "Bearer someone-else", "Bearer " + TestCaller.GATEWAY.token() }) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> app(authorization).signRegistration(sign("alice")));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.getStatus().toString());
            assertEquals("the gateway could not authenticate the end user", e.getStatus().getDescription());
        }
    }

    @Test
    void verificationIsNotOfferedToApps() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> app("Bearer demo-session-alice").verifyRegistration(VerifyRegistrationRequest.newBuilder()
                        .setApplicationKey(TestApplication.VECTOR.key()).setUserId("alice").setToken("x").build()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode(), e.getStatus().toString());
    }

    @Test
    void anOversizedRequestIsRefusedAtTheGateway() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> app("Bearer demo-session-alice").signRegistration(sign("a".repeat(10_000))));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
    }

    @Test
    void aCompressedRequestIsRefusedAtTheGateway() throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> app("Bearer demo-session-frank").withCompression("gzip").signRegistration(sign("frank")));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode(), e.getStatus().toString());
        assertEquals("compressed messages are not accepted: send them uncompressed", e.getStatus().getDescription());
    }

    @Test
    void oneSessionCannotSpendTheBudgetOfTheOthers() throws Exception {
        RegistrationSignerBlockingStub flooding = app("Bearer demo-session-mallory");
        Map<Status.Code, Integer> outcomes = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            Status.Code code;
            try {
                flooding.signRegistration(sign("mallory"));
                code = Status.Code.OK;
            } catch (StatusRuntimeException e) {
                code = e.getStatus().getCode();
                assertEquals("too many calls for this app session; retry in a few seconds", e.getStatus().getDescription());
            }
            outcomes.merge(code, 1, Integer::sum);
        }
        // A burst of 10 beyond the rate; the rest refused by the gateway, before the service.
        assertTrue(outcomes.getOrDefault(Status.Code.RESOURCE_EXHAUSTED, 0) >= 15, outcomes.toString());
        assertEquals(1, app("Bearer demo-session-trent").signRegistration(sign("trent")).getSequence());
    }

    @Test
    void aServiceThatCannotBeReachedIsUnavailable() throws Exception {
        int port = Nginx.freePort();
        try (Nginx nowhere = startNginx(DIR.resolve("nginx-nowhere"), "127.0.0.1:" + Nginx.freePort(), port)) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> app(port, "Bearer demo-session-alice").signRegistration(sign("alice")));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
            assertEquals("registration-signer is unavailable; retry", e.getStatus().getDescription());
        }
    }

    private static Nginx startNginx(Path dir, String upstream, int port) throws Exception {
        // .ci/run installs nginx and requires this test; elsewhere it is skipped with what is missing.
        Nginx.assumeAvailable(Nginx.binary().isPresent(), Nginx.required());
        Path certificates = dir.resolve("certs");
        java.nio.file.Files.createDirectories(certificates);
        new CertificateGenerator(certificates, true).generate(new CertificateRequest().withName("gateway")
                .withCN("localhost").withFormat(Format.PEM));
        int identityPort = Nginx.freePort();
        Map<String, String> variables = new HashMap<>();
        variables.put("GATEWAY_PORT", Integer.toString(port));
        variables.put("GATEWAY_TLS_CERTIFICATE", certificates.resolve("gateway.crt").toAbsolutePath().toString());
        variables.put("GATEWAY_TLS_CERTIFICATE_KEY", certificates.resolve("gateway.key").toAbsolutePath().toString());
        variables.put("SIGNER_UPSTREAM", upstream);
        variables.put("SIGNER_GATEWAY_TOKEN", TestCaller.GATEWAY.token());
        variables.put("END_USER_AUTH_URL", "http://127.0.0.1:" + identityPort);
        variables.put("DEMO_IDENTITY_LISTEN", "127.0.0.1:" + identityPort);
        return Nginx.start(dir, List.of("registration-signer.conf.template", "demo-identity.conf.template"),
                variables, port);
    }

    private RegistrationSignerBlockingStub app(String authorization, String... headers) throws Exception {
        return app(gatewayPort, authorization, headers);
    }

    /** An app's channel: TLS to the gateway, which it trusts through the gateway's CA. */
    private RegistrationSignerBlockingStub app(int port, String authorization, String... headers) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", port)
                .sslContext(GrpcSslContexts.forClient()
                        .trustManager(DIR.resolve(port == gatewayPort ? "nginx" : "nginx-nowhere")
                                .resolve("certs/gateway-ca.crt").toFile())
                        .build())
                .build();
        APP_CHANNELS.add(channel);
        RegistrationSignerBlockingStub stub = RegistrationSignerGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        List<String> metadata = new java.util.ArrayList<>(List.of(headers));
        if (authorization != null) {
            metadata.add("authorization");
            metadata.add(authorization);
        }
        return metadata.isEmpty() ? stub : stub.withInterceptors(TestCaller.headers(metadata.toArray(String[]::new)));
    }

    private static final List<ManagedChannel> APP_CHANNELS = new java.util.concurrent.CopyOnWriteArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void closeAppChannels() {
        APP_CHANNELS.forEach(ManagedChannel::shutdownNow);
        APP_CHANNELS.clear();
    }

    private static SignRegistrationRequest sign(String userId) {
        return SignRegistrationRequest.newBuilder().setApplicationKey(TestApplication.VECTOR.key()).setUserId(userId).build();
    }
}
