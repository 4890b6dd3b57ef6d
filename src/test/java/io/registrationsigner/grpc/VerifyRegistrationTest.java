package io.registrationsigner.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.LegacyCredential;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.api.v1.VerificationFailure;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.api.v1.VerifyRegistrationResponse;
import io.registrationsigner.testing.PrometheusText;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.StatusMessages;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.SinchVectors;

/** VerifyRegistration accepts every credential the service issues and says why a broken one fails. */
@QuarkusTest
@WithTestResource(SignerTestResource.class)
class VerifyRegistrationTest extends ServiceTestBase {

    // Sinch's published reference token: valid for ten minutes on 2018-01-02, so long expired.
    private static final String REFERENCE_TOKEN = SinchVectors.JWT_TOKEN;

    @Test
    void acceptsAnIssuedLegacyCredentialAndRejectsItsBrokenVariants() {
        SignRegistrationResponse issued = sign("verify-legacy");
        assertValid(verify("verify-legacy", TestApplication.VECTOR, legacy(issued.getSequence(), issued.getSignature())));

        String signature = issued.getSignature();
        String changed = (signature.charAt(3) == 'A' ? "B" : "A");
        assertInvalid("wrong signature", verify("verify-legacy", TestApplication.VECTOR,
                legacy(issued.getSequence(), signature.substring(0, 3) + changed + signature.substring(4))));
        assertInvalid("wrong signature", verify("verify-legacy", TestApplication.VECTOR,
                legacy(issued.getSequence() + 1, signature)));
        assertInvalid("wrong signature", verify("verify-legacy", TestApplication.VECTOR,
                legacy(issued.getSequence() - 1 == 0 ? 2 : issued.getSequence() - 1, signature)));
        assertInvalid("wrong signature", verify("another-user", TestApplication.VECTOR,
                legacy(issued.getSequence(), signature)));
        assertInvalid("wrong signature", verify("verify-legacy", TestApplication.OTHER,
                legacy(issued.getSequence(), signature)));
        assertInvalid("malformed: sequence must be at least 1", verify("verify-legacy", TestApplication.VECTOR,
                legacy(0, signature)));
    }

    @Test
    void acceptsAnIssuedTokenAndRejectsItsBrokenVariants() {
        String token = issueToken("verify-jwt", TestApplication.VECTOR);
        assertValid(verify("verify-jwt", TestApplication.VECTOR, token));

        int at = token.lastIndexOf('.') + 5;
        String tampered = token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
        assertInvalid("wrong signature", verify("verify-jwt", TestApplication.VECTOR, tampered));
        assertInvalid("wrong subject", verify("another-user", TestApplication.VECTOR, token));
        assertInvalid("issued for another application", verify("verify-jwt", TestApplication.VECTOR,
                issueToken("verify-jwt", TestApplication.OTHER)));
        assertInvalid("malformed", verify("verify-jwt", TestApplication.VECTOR, "not.a-token"));
    }

    @Test
    void theReferenceTokenIsRecognisedAndExpired() {
        assertInvalid("expired at 2018-01-02T03:14:05Z", verify("foo", TestApplication.JWT_VECTOR, REFERENCE_TOKEN));
        assertInvalid("wrong subject", verify("bar", TestApplication.JWT_VECTOR, REFERENCE_TOKEN));
    }

    @Test
    void craftedTokensAreInvalidWithAReasonNeverAnError() {
        String sub = "\"//rtc.sinch.com/applications/" + TestApplication.VECTOR.key() + "/users/crafted\"";
        String iss = "\"//rtc.sinch.com/applications/" + TestApplication.VECTOR.key() + "\"";
        String claims = "{\"iss\":" + iss + ",\"sub\":" + sub + ",\"nonce\":\"n\",\"iat\":1767225600,\"exp\":1767226200}";
        String header = "{\"alg\":\"HS256\",\"kid\":\"hkdfv1-20260101\"}";
        List<Map.Entry<String, String>> crafted = new ArrayList<>();
        crafted.add(Map.entry("malformed: alg must be HS256", jwt("{\"alg\":256,\"kid\":\"hkdfv1-20260101\"}", claims)));
        crafted.add(Map.entry("malformed: alg must be HS256, it is [HS256]", jwt("{\"alg\":[\"HS256\"],\"kid\":\"hkdfv1-20260101\"}", claims)));
        crafted.add(Map.entry("malformed: kid must be", jwt("{\"alg\":\"HS256\",\"kid\":20260101}", claims)));
        crafted.add(Map.entry("malformed: kid must be hkdfv1-YYYYMMDD with a real date, it is hkdfv1-20260231",
                jwt("{\"alg\":\"HS256\",\"kid\":\"hkdfv1-20260231\"}", claims)));
        crafted.add(Map.entry("malformed: the claim iat", jwt(header, claims.replace("1767225600", "99999999999999999"))));
        crafted.add(Map.entry("malformed: the claim exp", jwt(header, claims.replace("1767226200", "-1"))));
        crafted.add(Map.entry("malformed: the claim exp", jwt(header, claims.replace("1767226200", "1e300"))));
        crafted.add(Map.entry("malformed: the claim iat", jwt(header, claims.replace("1767225600", "\"1767225600\""))));
        crafted.add(Map.entry("malformed: the claim iat", jwt(header, claims.replace("1767225600", "1767225600.5"))));
        crafted.add(Map.entry("malformed: the claim iss", jwt(header, claims.replace(iss, "42"))));
        crafted.add(Map.entry("malformed: the claim sub", jwt(header, claims.replace(sub, "{}"))));
        crafted.add(Map.entry("malformed: the header or the claims", jwt(header, "[1,2,3]")));
        crafted.add(Map.entry("malformed:", jwt(header, claims.replace("1767225600", "1" + "0".repeat(400)))));
        crafted.add(Map.entry("wrong signature", jwt("{\"alg\":\"HS256\",\"kid\":\"hkdfv1-20260101\",\"crit\":7}", claims)));
        crafted.forEach(entry -> assertInvalid(entry.getKey(), verify("crafted", TestApplication.VECTOR, entry.getValue())));

        // Far longer than any registration token: refused before it is read.
        assertRejected(VerifyRegistrationRequest.newBuilder().setUserId("crafted").setApplicationKey(TestApplication.VECTOR.key())
                .setToken(jwt(header, claims) + "A".repeat(5000)).build(), Status.Code.INVALID_ARGUMENT,
                "token is longer than 4096 characters");
    }

    /** header.claims.signature, with a signature of the right length that is right for nothing. */
    private static String jwt(String header, String claims) {
        java.util.Base64.Encoder base64url = java.util.Base64.getUrlEncoder().withoutPadding();
        return base64url.encodeToString(header.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "."
                + base64url.encodeToString(claims.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "."
                + base64url.encodeToString(new byte[32]);
    }

    private static final Map<String, VerificationFailure> FAILURES = Map.of(
            "malformed", VerificationFailure.VERIFICATION_FAILURE_MALFORMED,
            "issued for another application", VerificationFailure.VERIFICATION_FAILURE_WRONG_APPLICATION,
            "wrong subject", VerificationFailure.VERIFICATION_FAILURE_WRONG_SUBJECT,
            "wrong key id date", VerificationFailure.VERIFICATION_FAILURE_WRONG_KEY_ID_DATE,
            "wrong signature", VerificationFailure.VERIFICATION_FAILURE_WRONG_SIGNATURE,
            "expired", VerificationFailure.VERIFICATION_FAILURE_EXPIRED,
            "not yet valid", VerificationFailure.VERIFICATION_FAILURE_NOT_YET_VALID);

    @Test
    void verifyingConsumesNoSequence() {
        SignRegistrationResponse first = sign("verify-counter");
        for (int i = 0; i < 5; i++) {
            verify("verify-counter", TestApplication.VECTOR, legacy(first.getSequence(), first.getSignature()));
            verify("verify-counter", TestApplication.VECTOR, legacy(first.getSequence() + 1, first.getSignature()));
        }
        assertEquals(first.getSequence() + 1, sign("verify-counter").getSequence());
    }

    @Test
    void requestErrorsGetTheErrorModel() {
        assertRejected(VerifyRegistrationRequest.newBuilder().setUserId("bob")
                .setApplicationKey(TestApplication.VECTOR.key()).build(), Status.Code.INVALID_ARGUMENT,
                "a credential is required");
        assertRejected(VerifyRegistrationRequest.newBuilder().setUserId("bad user")
                .setApplicationKey(TestApplication.VECTOR.key()).setToken("x").build(), Status.Code.INVALID_ARGUMENT,
                "user_id must be");
        assertRejected(VerifyRegistrationRequest.newBuilder().setUserId("bob")
                .setApplicationKey("33333333-3333-3333-3333-333333333333").setToken("x").build(), Status.Code.NOT_FOUND,
                "unknown application_key");
    }

    @Test
    void metricsCountVerificationsBySchemeAndResult() {
        Map<String, String> valid = Map.of("application", "vector", "scheme", "jwt", "outcome", "valid");
        Map<String, String> invalid = Map.of("application", "vector", "scheme", "jwt", "outcome", "invalid");
        String before = metrics();
        String token = issueToken("verify-metrics", TestApplication.VECTOR);
        verify("verify-metrics", TestApplication.VECTOR, token);
        verify("another-user", TestApplication.VECTOR, token);
        String after = metrics();
        assertEquals(1, PrometheusText.value(after, "signer_verifications_total", valid)
                - PrometheusText.value(before, "signer_verifications_total", valid));
        assertEquals(1, PrometheusText.value(after, "signer_verifications_total", invalid)
                - PrometheusText.value(before, "signer_verifications_total", invalid));
    }

    private SignRegistrationResponse sign(String userId) {
        return signer(10).signRegistration(SignRegistrationRequest.newBuilder().setUserId(userId)
                .setApplicationKey(TestApplication.VECTOR.key()).build());
    }

    private String issueToken(String userId, TestApplication application) {
        return signer(10).issueRegistrationToken(IssueRegistrationTokenRequest.newBuilder().setUserId(userId)
                .setApplicationKey(application.key()).build()).getToken();
    }

    private VerifyRegistrationResponse verify(String userId, TestApplication application, LegacyCredential credential) {
        return signer(10).verifyRegistration(VerifyRegistrationRequest.newBuilder().setUserId(userId)
                .setApplicationKey(application.key()).setLegacy(credential).build());
    }

    private VerifyRegistrationResponse verify(String userId, TestApplication application, String token) {
        return signer(10).verifyRegistration(VerifyRegistrationRequest.newBuilder().setUserId(userId)
                .setApplicationKey(application.key()).setToken(token).build());
    }

    private static LegacyCredential legacy(long sequence, String signature) {
        return LegacyCredential.newBuilder().setSequence(sequence).setSignature(signature).build();
    }

    private static void assertValid(VerifyRegistrationResponse response) {
        assertTrue(response.getValid(), response.getReason());
        assertEquals("", response.getReason());
        assertEquals(VerificationFailure.VERIFICATION_FAILURE_UNSPECIFIED, response.getFailure());
    }

    private static void assertInvalid(String reasonStart, VerifyRegistrationResponse response) {
        assertFalse(response.getValid());
        // The code for machines says what the words say.
        assertEquals(FAILURES.entrySet().stream().filter(e -> response.getReason().startsWith(e.getKey())).findFirst()
                .orElseThrow(() -> new AssertionError("no failure code for " + response.getReason())).getValue(),
                response.getFailure(), response.getReason());
        assertTrue(response.getReason().startsWith(reasonStart), response.getReason());
        for (String secret : TestApplication.ALL_SECRETS) {
            assertFalse(response.getReason().contains(secret), "a secret in a reason");
        }
    }

    private void assertRejected(VerifyRegistrationRequest request, Status.Code code, String messageStart) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> signer(10).verifyRegistration(request));
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().startsWith(messageStart), e.getStatus().getDescription());
        StatusMessages.assertSafe(e);
    }

}
