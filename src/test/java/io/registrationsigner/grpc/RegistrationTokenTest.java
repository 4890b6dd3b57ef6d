package io.registrationsigner.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Duration;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.IssueRegistrationTokenResponse;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.testing.PrometheusText;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.StatusMessages;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.Tokens;

/** IssueRegistrationToken through the real server, every token checked from the published derivation. */
@QuarkusTest
@WithTestResource(SignerTestResource.class)
class RegistrationTokenTest extends ServiceTestBase {

    @Test
    void issuesATokenThatVerifiesWithNothingButTheSecretAndTheDerivation() {
        Instant before = Instant.now();
        IssueRegistrationTokenResponse response = signer(10).issueRegistrationToken(request("alice", TestApplication.VECTOR));
        String token = response.getToken();

        assertTrue(Tokens.independentlyVerified(token, TestApplication.VECTOR.secret()));
        assertEquals(Map.of("alg", "HS256", "kid", response.getKeyId()), Tokens.header(token));
        long iat = Tokens.claim(token, "iat");
        assertTrue(Math.abs(iat - before.getEpochSecond()) <= 5, "iat is now");
        assertEquals(Tokens.keyIdFor(Instant.ofEpochSecond(iat)), response.getKeyId(), "kid is the UTC date of iat");
        assertEquals(iat + 600, Tokens.claim(token, "exp"), "10 minutes by default");
        assertEquals(Tokens.claim(token, "exp"), response.getExpiresAt().getSeconds());
        Map<String, Object> claims = Tokens.claims(token);
        assertEquals("//rtc.sinch.com/applications/" + TestApplication.VECTOR.key(), claims.get("iss"));
        assertEquals("//rtc.sinch.com/applications/" + TestApplication.VECTOR.key() + "/users/alice", claims.get("sub"));
        assertFalse(claims.containsKey("sinch:rtc:instance:exp"));
        assertFalse(((String) claims.get("nonce")).isEmpty());
    }

    @Test
    void theRequestSetsTheTokenAndInstanceLifetimes() {
        String token = signer(10).issueRegistrationToken(request("bob", TestApplication.OTHER).toBuilder()
                .setTokenTtl(seconds(120)).setInstanceTtl(seconds(48 * 3600)).build()).getToken();
        long iat = Tokens.claim(token, "iat");
        assertEquals(iat + 120, Tokens.claim(token, "exp"));
        assertEquals(iat + 48 * 3600, Tokens.claim(token, "sinch:rtc:instance:exp"));
        assertTrue(Tokens.independentlyVerified(token, TestApplication.OTHER.secret()));
    }

    @Test
    void lifetimesOutsideTheBoundsAreInvalidArgumentsThatStateTheBound() {
        assertRejected(request("bob", TestApplication.OTHER).toBuilder().setTokenTtl(seconds(59)).build(),
                Status.Code.INVALID_ARGUMENT, "token_ttl must be between 60s and 86400s; it is 59s");
        assertRejected(request("bob", TestApplication.OTHER).toBuilder().setTokenTtl(seconds(86401)).build(),
                Status.Code.INVALID_ARGUMENT, "token_ttl must be between 60s and 86400s; it is 86401s");
        assertRejected(request("bob", TestApplication.OTHER).toBuilder().setInstanceTtl(seconds(47 * 3600)).build(),
                Status.Code.INVALID_ARGUMENT, "instance_ttl must be between 172800s and 31536000s; it is 169200s");
        assertRejected(request("bob", TestApplication.OTHER).toBuilder().setTokenTtl(seconds(-600)).build(),
                Status.Code.INVALID_ARGUMENT, "durations must not be negative");
    }

    @Test
    void durationsThatNoDurationCanHoldAreInvalidArgumentsWithTheirFieldAndAnAuditLine() {
        Map<String, String> refused = Map.of("application", "other", "scheme", "jwt", "outcome", "invalid_argument");
        double before = PrometheusText.value(metrics(), "signer_credentials_total", refused);
        Duration extreme = Duration.newBuilder().setSeconds(Long.MIN_VALUE).setNanos(-1).build();
        Duration mixedSigns = Duration.newBuilder().setSeconds(120).setNanos(-1).build();
        Duration tooLong = Duration.newBuilder().setSeconds(Long.MAX_VALUE).setNanos(999_999_999).build();
        assertField(request("bob", TestApplication.OTHER).toBuilder().setTokenTtl(extreme).build(), "token_ttl",
                "durations must be within 315576000000 seconds either way");
        assertField(request("bob", TestApplication.OTHER).toBuilder().setInstanceTtl(extreme).build(), "instance_ttl",
                "durations must be within 315576000000 seconds either way");
        assertField(request("bob", TestApplication.OTHER).toBuilder().setTokenTtl(tooLong).build(), "token_ttl",
                "durations must be within 315576000000 seconds either way");
        assertField(request("bob", TestApplication.OTHER).toBuilder().setTokenTtl(mixedSigns).build(), "token_ttl",
                "a duration's seconds and nanos must have the same sign");
        // Recorded as every refusal is: the metric and the audit line come from one place.
        assertEquals(4, PrometheusText.value(metrics(), "signer_credentials_total", refused) - before);
    }

    private void assertField(IssueRegistrationTokenRequest request, String field, String messageStart) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> signer(10).issueRegistrationToken(request));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().startsWith(messageStart), e.getStatus().getDescription());
        com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(e);
        assertEquals(field, StatusMessages.detail(details, com.google.rpc.BadRequest.class).orElseThrow()
                .getFieldViolations(0).getField());
    }

    @Test
    void invalidInputsAndUnknownApplicationsGetTheErrorModel() {
        assertRejected(request("not a user", TestApplication.OTHER), Status.Code.INVALID_ARGUMENT, "user_id must be");
        assertRejected(request("u".repeat(256), TestApplication.OTHER), Status.Code.INVALID_ARGUMENT, "user_id must be");
        assertRejected(IssueRegistrationTokenRequest.newBuilder().setUserId("bob").build(), Status.Code.INVALID_ARGUMENT,
                "application_key is required");
        assertRejected(IssueRegistrationTokenRequest.newBuilder().setUserId("bob")
                .setApplicationKey("22222222-2222-2222-2222-222222222222").build(), Status.Code.NOT_FOUND,
                "unknown application_key");
    }

    @Test
    void thousandTokensIssuedInParallelCarryThousandDistinctNonces() throws Exception {
        var futureStub = RegistrationSignerGrpc.newFutureStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
        List<ListenableFuture<IssueRegistrationTokenResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            calls.add(futureStub.issueRegistrationToken(request("nonce-user", TestApplication.VECTOR)));
        }
        Set<Object> nonces = new HashSet<>();
        for (ListenableFuture<IssueRegistrationTokenResponse> call : calls) {
            nonces.add(Tokens.claims(call.get(120, TimeUnit.SECONDS).getToken()).get("nonce"));
        }
        assertEquals(1000, nonces.size());
    }

    @Test
    void metricsCountTokensByScheme() {
        Map<String, String> issued = Map.of("application", "other", "scheme", "jwt", "outcome", "ok");
        double before = PrometheusText.value(metrics(), "signer_credentials_total", issued);
        signer(10).issueRegistrationToken(request("metered", TestApplication.OTHER));
        signer(10).issueRegistrationToken(request("metered", TestApplication.OTHER));
        assertEquals(2, PrometheusText.value(metrics(), "signer_credentials_total", issued) - before);
    }

    private void assertRejected(IssueRegistrationTokenRequest request, Status.Code code, String messageStart) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> signer(10).issueRegistrationToken(request));
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().startsWith(messageStart), e.getStatus().getDescription());
        StatusMessages.assertSafe(e);
    }

    private static IssueRegistrationTokenRequest request(String userId, TestApplication application) {
        return IssueRegistrationTokenRequest.newBuilder().setUserId(userId).setApplicationKey(application.key()).build();
    }

    private static Duration seconds(long seconds) {
        return Duration.newBuilder().setSeconds(seconds).build();
    }

}
