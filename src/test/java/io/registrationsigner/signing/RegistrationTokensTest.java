package io.registrationsigner.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import java.util.Optional;
import java.util.TimeZone;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.registrationsigner.testing.Tokens;
import io.registrationsigner.testing.SinchVectors;

class RegistrationTokensTest {

    // Sinch's published reference registration token and its inputs.
    private static final String KEY = SinchVectors.JWT_KEY;
    private static final String SECRET = SinchVectors.JWT_SECRET;
    private static final String NONCE = SinchVectors.JWT_NONCE;
    private static final Instant NOW = SinchVectors.JWT_ISSUED_AT;
    private static final String DERIVED_KEY = SinchVectors.JWT_DERIVED_KEY;
    private static final String TOKEN = SinchVectors.JWT_TOKEN;

    @Test
    void derivesTheReferenceSigningKeyByteForByte() {
        assertArrayEquals(Base64.getDecoder().decode(DERIVED_KEY),
                RegistrationTokens.signingKey(SECRET, LocalDate.of(2018, 1, 2)));
    }

    @Test
    void theReferenceTokenVerifies() {
        assertEquals(Verification.passed(), RegistrationTokens.verify(TOKEN, KEY, SECRET, "foo", NOW.plusSeconds(1)));
    }

    @Test
    void issuesTheReferenceTokenForTheReferenceInputs() {
        RegistrationTokens.IssuedToken issued = issue("foo", NOW, Duration.ofSeconds(600), Optional.empty());
        assertEquals(TOKEN, issued.token());
        assertEquals("hkdfv1-20180102", issued.keyId());
        assertEquals(NOW.plusSeconds(600), issued.expiresAt());
        assertTrue(Tokens.independentlyVerified(issued.token(), SECRET), "HMAC recomputed over header.payload");
    }

    /** The hand-written serialization against jose4j's, byte for byte, over varied claims and days. */
    @Test
    void issuesExactlyWhatJose4jWouldSerialize() throws Exception {
        java.util.Random random = new java.util.Random(20261129);
        String[] secrets = { "oYdgGRXoxEuJhGDY2KQ/HQ==", "AAECAwQFBgcICQoLDA0ODw==", "c2VjcmV0LW9mLWFub3RoZXItYXBw" };
        String tricky = "aZ09-_=\"\\/\b\f\n\r\t\u0001\u007f\u0085\u2028é€😀";
        for (int i = 0; i < 500; i++) {
            StringBuilder user = new StringBuilder();
            for (int j = 0, n = 1 + random.nextInt(30); j < n; j++) {
                user.appendCodePoint(tricky.codePoints().toArray()[random.nextInt((int) tricky.codePoints().count())]);
            }
            Instant issuedAt = Instant.ofEpochSecond(1_700_000_000L + random.nextInt(400_000_000));
            RegistrationTokens.Claims claims = new RegistrationTokens.Claims(java.util.UUID.randomUUID().toString(),
                    user.toString(), issuedAt, issuedAt.plusSeconds(60 + random.nextInt(86_400)),
                    java.util.UUID.randomUUID().toString(),
                    i % 2 == 0 ? Optional.empty() : Optional.of(issuedAt.plus(Duration.ofDays(2 + random.nextInt(300)))));
            String secret = secrets[i % secrets.length];
            assertEquals(jose4j(secret, claims), RegistrationTokens.issue(secret, claims).token(), claims.toString());
        }
    }

    private static String jose4j(String secret, RegistrationTokens.Claims claims) throws Exception {
        LocalDate date = LocalDate.ofInstant(claims.issuedAt(), java.time.ZoneOffset.UTC);
        java.util.Map<String, Object> payload = new java.util.TreeMap<>();
        payload.put("iss", RegistrationTokens.issuer(claims.applicationKey()));
        payload.put("sub", RegistrationTokens.subject(claims.applicationKey(), claims.userId()));
        payload.put("iat", claims.issuedAt().getEpochSecond());
        payload.put("exp", claims.expiresAt().getEpochSecond());
        payload.put("nonce", claims.nonce());
        claims.instanceExpiresAt().ifPresent(at -> payload.put(RegistrationTokens.INSTANCE_EXPIRY_CLAIM, at.getEpochSecond()));
        org.jose4j.jws.JsonWebSignature jws = new org.jose4j.jws.JsonWebSignature();
        jws.setAlgorithmHeaderValue(org.jose4j.jws.AlgorithmIdentifiers.HMAC_SHA256);
        jws.setKeyIdHeaderValue(RegistrationTokens.keyId(date));
        jws.setPayload(org.jose4j.json.JsonUtil.toJson(payload));
        jws.setKey(new org.jose4j.keys.HmacKey(RegistrationTokens.signingKey(secret, date)));
        return jws.getCompactSerialization();
    }

    @Test
    void theKeyIdFollowsTheUtcDateAcrossMidnightWhateverTheDefaultTimeZone() {
        TimeZone defaultZone = TimeZone.getDefault();
        try {
            for (String zone : new String[] { "Pacific/Kiritimati", "America/Los_Angeles" }) {
                TimeZone.setDefault(TimeZone.getTimeZone(zone));
                RegistrationTokens.IssuedToken before = issue("foo", Instant.parse("2018-01-02T23:59:59Z"),
                        Duration.ofMinutes(10), Optional.empty());
                RegistrationTokens.IssuedToken after = issue("foo", Instant.parse("2018-01-03T00:00:00Z"),
                        Duration.ofMinutes(10), Optional.empty());
                assertEquals("hkdfv1-20180102", before.keyId(), zone);
                assertEquals("hkdfv1-20180103", after.keyId(), zone);
                assertEquals("hkdfv1-20180102", Tokens.header(before.token()).get("kid"));
                assertEquals("hkdfv1-20180103", Tokens.header(after.token()).get("kid"));
                assertTrue(Tokens.independentlyVerified(before.token(), SECRET));
                assertTrue(Tokens.independentlyVerified(after.token(), SECRET));
                assertTrue(RegistrationTokens.verify(after.token(), KEY, SECRET, "foo",
                        Instant.parse("2018-01-03T00:00:01Z")).valid());
            }
        } finally {
            TimeZone.setDefault(defaultZone);
        }
    }

    @Test
    void anInstanceLifetimeAddsTheInstanceExpiryClaim() {
        String token = issue("foo", NOW, Duration.ofMinutes(10), Optional.of(Duration.ofHours(48))).token();
        assertEquals(NOW.getEpochSecond() + 48 * 3600, Tokens.claim(token, RegistrationTokens.INSTANCE_EXPIRY_CLAIM));
        assertTrue(Tokens.independentlyVerified(token, SECRET));
        assertFalse(Tokens.claims(TOKEN).containsKey(RegistrationTokens.INSTANCE_EXPIRY_CLAIM));
    }

    @Test
    void aChangedCharacterInTheSignatureIsAWrongSignature() {
        int at = TOKEN.lastIndexOf('.') + 5;
        String tampered = TOKEN.substring(0, at) + (TOKEN.charAt(at) == 'A' ? 'B' : 'A') + TOKEN.substring(at + 1);
        assertReason("wrong signature", RegistrationTokens.verify(tampered, KEY, SECRET, "foo", NOW));
    }

    @Test
    void aTokenSignedWithAnotherSecretIsAWrongSignature() {
        String forged = RegistrationTokens.issue("q3Xc9T0bYw1nKp7Lr2VdAg==", new RegistrationTokens.Claims(KEY, "foo", NOW,
                NOW.plusSeconds(600), NONCE, Optional.empty())).token();
        assertReason("wrong signature", RegistrationTokens.verify(forged, KEY, SECRET, "foo", NOW));
    }

    @Test
    void anExpiredTokenIsExpired() {
        assertReason("expired at 2018-01-02T03:14:05Z",
                RegistrationTokens.verify(TOKEN, KEY, SECRET, "foo", NOW.plusSeconds(600)));
    }

    @Test
    void anotherUsersTokenIsTheWrongSubject() {
        assertReason("wrong subject", RegistrationTokens.verify(TOKEN, KEY, SECRET, "bar", NOW));
    }

    @Test
    void anotherApplicationsTokenIsIssuedForAnotherApplication() {
        assertReason("issued for another application",
                RegistrationTokens.verify(TOKEN, SinchVectors.LEGACY_KEY, SinchVectors.LEGACY_SECRET, "foo", NOW));
    }

    @Test
    void aKeyIdOfAnotherDayIsTheWrongKeyIdDate() {
        // Signed properly with the key of the day its kid names, but iat is on another day.
        String header = base64url("{\"alg\":\"HS256\",\"kid\":\"hkdfv1-20180103\"}");
        String claims = TOKEN.split("\\.")[1];
        byte[] key = RegistrationTokens.signingKey(SECRET, LocalDate.of(2018, 1, 3));
        String signature = Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(key, header + "." + claims));
        assertReason("wrong key id date", RegistrationTokens.verify(header + "." + claims + "." + signature, KEY, SECRET,
                "foo", NOW));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "abc", "a.b", "a.b.c.d", "!!.??.**", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
            "eyJhbGciOiJub25lIiwia2lkIjoiaGtkZnYxLTIwMTgwMTAyIn0.e30.", "eyJhbGciOiJIUzI1NiIsImtpZCI6Im5vcGUifQ.e30.c2ln" })
    void garbageIsMalformed(String token) {
        assertReason("malformed", RegistrationTokens.verify(token, KEY, SECRET, "foo", NOW));
    }

    @Test
    void missingClaimsAreMalformed() {
        String header = TOKEN.split("\\.")[0];
        String claims = base64url("{\"iss\":\"//rtc.sinch.com/applications/" + KEY + "\"}");
        assertReason("malformed: the claim sub", RegistrationTokens.verify(header + "." + claims + ".c2ln", KEY, SECRET,
                "foo", NOW));
    }

    @Test
    void noReasonRevealsTheSecretOrTheKey() {
        String derived = DERIVED_KEY;
        for (Verification v : new Verification[] {
                RegistrationTokens.verify(TOKEN, KEY, SECRET, "bar", NOW),
                RegistrationTokens.verify(TOKEN, KEY, SECRET, "foo", NOW.plusSeconds(9999)),
                RegistrationTokens.verify(TOKEN + "x", KEY, SECRET, "foo", NOW) }) {
            assertFalse(v.reason().contains(SECRET));
            assertFalse(v.reason().contains(derived));
        }
    }

    @Test
    void nonceAndSubjectChangeTheToken() {
        String a = issue("foo", NOW, Duration.ofMinutes(10), Optional.empty()).token();
        String b = RegistrationTokens.issue(SECRET, new RegistrationTokens.Claims(KEY, "foo", NOW, NOW.plusSeconds(600),
                "another-nonce", Optional.empty())).token();
        assertNotEquals(a, b);
        assertNotEquals(a, issue("fooo", NOW, Duration.ofMinutes(10), Optional.empty()).token());
    }

    private static RegistrationTokens.IssuedToken issue(String userId, Instant now, Duration ttl,
            Optional<Duration> instanceTtl) {
        return RegistrationTokens.issue(SECRET, new RegistrationTokens.Claims(KEY, userId, now, now.plus(ttl), NONCE,
                instanceTtl.map(now::plus)));
    }

    private static void assertReason(String start, Verification verification) {
        assertFalse(verification.valid());
        assertTrue(verification.reason().startsWith(start), verification.reason());
    }

    private static String base64url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(byte[] key, String message) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
