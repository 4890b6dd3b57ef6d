package io.registrationsigner.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.testing.PrometheusText;
import io.registrationsigner.testing.Reflection;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.StatusMessages;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;
import io.registrationsigner.testing.Tokens;

/** Bearer-token callers, what each may ask for, and the gateway's asserted end user. */
@QuarkusTest
@WithTestResource(value = SignerTestResource.class,
        initArgs = @ResourceArg(name = SignerTestResource.AUTH, value = "callers"))
class AuthTest extends ServiceTestBase {

    @Test
    void theRightTokenPasses() {
        assertEquals(1, sign("auth-ok", TestApplication.VECTOR, TestCaller.BACKEND.credentials()).getSequence());
    }

    @Test
    void missingWrongAndMalformedCredentialsAreUnauthenticated() {
        assertReason("NO_CREDENTIAL", assertStatus(Status.Code.UNAUTHENTICATED, "no credential",
                () -> signer(10).signRegistration(request("u1", TestApplication.VECTOR))));
        assertReason("UNKNOWN_TOKEN", assertStatus(Status.Code.UNAUTHENTICATED, "the bearer token is not the token of any caller",
                () -> sign("u1", TestApplication.VECTOR, TestCaller.headers("authorization", "Bearer not-a-caller-token"))));
        assertStatus(Status.Code.UNAUTHENTICATED, "the bearer token is not the token of any caller",
                () -> sign("u1", TestApplication.VECTOR, TestCaller.headers("authorization",
                        "Bearer " + TestCaller.BACKEND.token() + "x")));
        assertReason("MALFORMED_AUTHORIZATION", assertStatus(Status.Code.UNAUTHENTICATED,
                "the authorization metadata must be 'Bearer <token>'",
                () -> sign("u1", TestApplication.VECTOR, TestCaller.headers("authorization", "Basic YmFja2VuZDpzZWNyZXQ="))));
        assertStatus(Status.Code.UNAUTHENTICATED, "the authorization metadata must be 'Bearer <token>'",
                () -> sign("u1", TestApplication.VECTOR, TestCaller.headers("authorization", "Bearer ")));
        assertStatus(Status.Code.UNAUTHENTICATED, "the authorization metadata must be 'Bearer <token>'",
                () -> sign("u1", TestApplication.VECTOR, TestCaller.headers("authorization", TestCaller.BACKEND.token())));
    }

    @Test
    void aTokenCountsExactlyAsSentNeverTrimmedIntoAnother() {
        String token = TestCaller.BACKEND.token();
        for (String authorization : List.of("Bearer  ", "Bearer \t", "Bearer " + token + " ", "Bearer  " + token,
                "Bearer " + token + "\t", "Bearer " + token + "\u0001", "Bearer back end", "Bearer " + "a".repeat(513))) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> sign("u1", TestApplication.VECTOR, TestCaller.headers("authorization", authorization)));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.getStatus().toString());
            // HTTP/2 itself drops a value with a tab or a control character: then there is no credential.
            String description = e.getStatus().getDescription();
            assertTrue(description.startsWith("the bearer token must be 1 to 512 characters of A-Z a-z 0-9")
                    || description.startsWith("no credential"), authorization + ": " + description);
        }
        // The scheme is case-insensitive (RFC 7235); the token is not.
        assertEquals(1, sign("auth-scheme-case", TestApplication.VECTOR,
                TestCaller.headers("authorization", "bearer " + token)).getSequence());
    }

    @Test
    void aCallerMayUseOnlyItsApplications() {
        assertReason("CALLER_NOT_ALLOWED", assertStatus(Status.Code.PERMISSION_DENIED,
                "caller limited may not use application vector",
                () -> sign("u2", TestApplication.VECTOR, TestCaller.LIMITED.credentials())));
        assertEquals(1, sign("u2", TestApplication.OTHER, TestCaller.LIMITED.credentials()).getSequence());
    }

    @Test
    void aGatewayMayAskOnlyForTheEndUserItAsserts() {
        ClientInterceptor asserted = TestCaller.headers("authorization", "Bearer " + TestCaller.GATEWAY.token(),
                TestCaller.USER_HEADER, "end-user-1");
        assertEquals(1, sign("end-user-1", TestApplication.VECTOR, asserted).getSequence());
        assertReason("END_USER_NOT_ASSERTED", assertStatus(Status.Code.PERMISSION_DENIED,
                "caller gateway is a gateway: user_id must be the end user it asserts",
                () -> sign("end-user-2", TestApplication.VECTOR, asserted)));
        assertStatus(Status.Code.PERMISSION_DENIED, "caller gateway is a gateway: it must assert the end user",
                () -> sign("end-user-1", TestApplication.VECTOR, TestCaller.GATEWAY.credentials()));
        assertStatus(Status.Code.PERMISSION_DENIED, "caller gateway is a gateway",
                () -> RegistrationSignerGrpc.newBlockingStub(channel).withInterceptors(TestCaller.GATEWAY.credentials())
                        .withDeadlineAfter(10, TimeUnit.SECONDS).issueRegistrationToken(IssueRegistrationTokenRequest
                                .newBuilder().setUserId("end-user-1").setApplicationKey(TestApplication.VECTOR.key()).build()));
    }

    @Test
    void theUserHeaderOfACallerThatIsNoGatewayIsIgnored() {
        ClientInterceptor backendWithHeader = TestCaller.headers("authorization", "Bearer " + TestCaller.BACKEND.token(),
                TestCaller.USER_HEADER, "someone-else");
        assertEquals(1, sign("not-someone-else", TestApplication.VECTOR, backendWithHeader).getSequence());
    }

    @Test
    void rejectedCallsConsumeNoSequence() {
        assertThrows(StatusRuntimeException.class, () -> signer(10).signRegistration(request("u3", TestApplication.OTHER)));
        assertThrows(StatusRuntimeException.class, () -> sign("u3", TestApplication.VECTOR, TestCaller.LIMITED.credentials()));
        assertThrows(StatusRuntimeException.class, () -> sign("u3", TestApplication.VECTOR, TestCaller.GATEWAY.credentials()));
        assertEquals(1, sign("u3", TestApplication.VECTOR, TestCaller.BACKEND.credentials()).getSequence());
    }

    @Test
    void healthNeedsNoCredentialButReflectionNeedsACaller() throws Exception {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus());
        Exception refused = assertThrows(Exception.class, () -> Reflection.services(channel));
        assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable(refused).getCode(), refused.toString());
        assertTrue(Reflection.services(ClientInterceptors.intercept(channel, TestCaller.BACKEND.credentials()))
                .contains("signer.v1.RegistrationSigner"));
    }

    @Test
    void aGatewayMustAssertExactlyOneEndUserAndACallerSendOneToken() {
        Metadata twoUsers = new Metadata();
        twoUsers.put(AUTHORIZATION, "Bearer " + TestCaller.GATEWAY.token());
        twoUsers.put(USER, "end-user-1");
        twoUsers.put(USER, "end-user-2");
        assertReason("AMBIGUOUS_END_USER", assertStatus(Status.Code.PERMISSION_DENIED,
                "caller gateway is a gateway: it must assert exactly one end user in x-end-user-id, it sent 2",
                () -> sign("end-user-2", TestApplication.VECTOR, MetadataUtils.newAttachHeadersInterceptor(twoUsers))));

        Metadata twoTokens = new Metadata();
        twoTokens.put(AUTHORIZATION, "Bearer " + TestCaller.LIMITED.token());
        twoTokens.put(AUTHORIZATION, "Bearer " + TestCaller.BACKEND.token());
        assertStatus(Status.Code.UNAUTHENTICATED, "send one authorization metadata entry, not 2",
                () -> sign("two-tokens", TestApplication.VECTOR, MetadataUtils.newAttachHeadersInterceptor(twoTokens)));
    }

    @Test
    void failedAuthenticationsAreCountedByReasonAndLoggedWithoutTheToken() throws Exception {
        String before = metrics();
        Path logFile = Path.of("target", "test-logs", "quarkus-test.log");
        long linesBefore = Files.readAllLines(logFile).size();
        String wrongToken = "not-a-caller-Qw8Er4Ty6Ui2";
        for (int i = 0; i < 5; i++) {
            assertThrows(StatusRuntimeException.class, () -> sign("counted", TestApplication.VECTOR,
                    TestCaller.headers("authorization", "Bearer " + wrongToken)));
        }
        assertThrows(StatusRuntimeException.class, () -> signer(10).signRegistration(request("counted", TestApplication.VECTOR)));
        String after = metrics();
        assertEquals(5, PrometheusText.value(after, "signer_auth_failures_total", Map.of("reason", "unknown_token"))
                - PrometheusText.value(before, "signer_auth_failures_total", Map.of("reason", "unknown_token")));
        assertEquals(1, PrometheusText.value(after, "signer_auth_failures_total", Map.of("reason", "no_credential"))
                - PrometheusText.value(before, "signer_auth_failures_total", Map.of("reason", "no_credential")));

        String log = Files.readString(logFile);
        assertTrue(log.contains("Call refused (unknown_token) from "), "no log line of a refused call");
        assertFalse(log.contains(wrongToken), "a refused token in the log");
        // At most one line per reason and 10 s: five refusals in a row are not five lines.
        assertTrue(Files.readAllLines(logFile).stream().skip(linesBefore)
                .filter(line -> line.contains("Call refused (unknown_token)")).count() <= 1);
    }

    @Test
    void everyIssuedCredentialHasOneAuditLineWithoutTheCredentialItself() throws Exception {
        SignRegistrationResponse signed = sign("audited-user", TestApplication.VECTOR, TestCaller.BACKEND.credentials());
        String token = signer(10).withInterceptors(TestCaller.BACKEND.credentials()).issueRegistrationToken(
                IssueRegistrationTokenRequest.newBuilder().setUserId("audited-user")
                        .setApplicationKey(TestApplication.VECTOR.key()).build()).getToken();
        assertThrows(StatusRuntimeException.class,
                () -> sign("audited-user", TestApplication.VECTOR, TestCaller.LIMITED.credentials()));

        String log = Files.readString(Path.of("target", "test-logs", "quarkus-test.log"));
        assertTrue(log.contains("credential caller=backend application=vector user=audited-user scheme=legacy credential="
                + signed.getSequence() + " outcome=ok"), "audit line of the signature");
        assertTrue(log.contains("credential caller=backend application=vector user=audited-user scheme=jwt credential="
                + Tokens.claims(token).get("nonce") + " outcome=ok"), "audit line of the token, by its nonce");
        assertTrue(log.contains("credential caller=limited application=vector user=audited-user scheme=legacy credential=-"
                + " outcome=permission_denied"), "audit line of a denied request");
        assertFalse(log.contains(signed.getSignature()), "a signature in the log");
        assertFalse(log.contains(token.split("\\.")[2]), "a token in the log");
    }

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> USER = Metadata.Key.of(TestCaller.USER_HEADER, Metadata.ASCII_STRING_MARSHALLER);

    private SignRegistrationResponse sign(String userId, TestApplication application, ClientInterceptor credentials) {
        return signer(10).withInterceptors(credentials).signRegistration(request(userId, application));
    }

    private static SignRegistrationRequest request(String userId, TestApplication application) {
        return SignRegistrationRequest.newBuilder().setUserId(userId).setApplicationKey(application.key()).build();
    }

    private static StatusRuntimeException assertStatus(Status.Code code, String messageStart,
            org.junit.jupiter.api.function.Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().startsWith(messageStart), e.getStatus().getDescription());
        StatusMessages.assertSafe(e);
        return e;
    }

    private static void assertReason(String reason, StatusRuntimeException e) {
        assertEquals(reason, StatusMessages.assertDetails(e).getReason());
    }
}
