package io.registrationsigner.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import io.registrationsigner.testing.Signatures;
import io.registrationsigner.testing.SinchVectors;

class LegacySignatureTest {

    private static final String KEY = SinchVectors.LEGACY_KEY;
    private static final String SECRET = SinchVectors.LEGACY_SECRET;
    private static final String VECTOR_1 = SinchVectors.LEGACY_SIGNATURE_1;

    @Test
    void matchesSinchsTestVectors() {
        assertEquals(SinchVectors.LEGACY_SIGNATURE_1, LegacySignature.sign(SinchVectors.LEGACY_USER, KEY, 1, SECRET));
        assertEquals(SinchVectors.LEGACY_SIGNATURE_2, LegacySignature.sign(SinchVectors.LEGACY_USER, KEY, 2, SECRET));
    }

    @Test
    void userIdsAtTheLengthLimitAreSigned() {
        String userId = "u".repeat(UserIds.MAX_LENGTH - 1) + "=";
        String signature = LegacySignature.sign(userId, KEY, 42, SECRET);
        assertEquals(Signatures.expected(userId, KEY, 42, SECRET), signature);
        assertEquals(28, signature.length(), "20 bytes of SHA-1 in padded Base64");
    }

    @Test
    void sequenceIsWrittenInDecimalWithoutPadding() {
        assertEquals(Signatures.expected("bob", KEY, 1234567890123L, SECRET),
                LegacySignature.sign("bob", KEY, 1234567890123L, SECRET));
        assertEquals(Signatures.expected("bob", KEY, Long.MAX_VALUE, SECRET),
                LegacySignature.sign("bob", KEY, Long.MAX_VALUE, SECRET));
    }

    @Test
    void everyInputChangesTheSignature() {
        String base = LegacySignature.sign("alice", KEY, 7, SECRET);
        assertNotEquals(base, LegacySignature.sign("alicf", KEY, 7, SECRET));
        assertNotEquals(base, LegacySignature.sign("alice", KEY.replace('1', '2'), 7, SECRET));
        assertNotEquals(base, LegacySignature.sign("alice", KEY, 8, SECRET));
        assertNotEquals(base, LegacySignature.sign("alice", KEY, 7, "pYdgGRXoxEuJhGDY2KQ/HQ=="));
    }

    @Test
    void verifiesWhatItSignsAndRejectsEveryBrokenVariant() {
        assertEquals(Verification.passed(), LegacySignature.verify("alice", KEY, 1, SECRET, VECTOR_1));
        Verification changed = LegacySignature.verify("alice", KEY, 1, SECRET, VECTOR_1.replace("D4=", "D5="));
        Verification offByOne = LegacySignature.verify("alice", KEY, 2, SECRET, VECTOR_1);
        Verification otherUser = LegacySignature.verify("bob", KEY, 1, SECRET, VECTOR_1);
        for (Verification v : new Verification[] { changed, offByOne, otherUser }) {
            assertEquals(false, v.valid());
            assertEquals(true, v.reason().startsWith("wrong signature"), v.reason());
        }
        assertEquals(Verification.failed(Verification.Problem.MALFORMED, "malformed: sequence must be at least 1"),
                LegacySignature.verify("alice", KEY, 0, SECRET, VECTOR_1));
    }

    @Test
    void theReusedDigestAndBufferGiveThePlainFormulaForAnyInput() {
        java.util.Random random = new java.util.Random(20261129);
        String[] alphabets = { "abcXYZ019-_=", "äöü€😀/+", "\u0000\u007f\u0080" };
        for (int i = 0; i < 2_000; i++) {
            String user = randomText(random, alphabets[i % 3], 1 + random.nextInt(i % 50 == 0 ? 1_000 : 40));
            String secret = randomText(random, alphabets[(i / 3) % 3], 1 + random.nextInt(30));
            long sequence = i % 7 == 0 ? Long.MAX_VALUE - i : 1 + random.nextInt(Integer.MAX_VALUE);
            assertEquals(Signatures.expected(user, KEY, sequence, secret), LegacySignature.sign(user, KEY, sequence, secret),
                    user + " " + sequence);
        }
    }

    private static String randomText(java.util.Random random, String alphabet, int length) {
        int[] codePoints = alphabet.codePoints().toArray();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
        }
        return text.toString();
    }

    @Test
    void sequencesStartAtOne() {
        assertThrows(IllegalArgumentException.class, () -> LegacySignature.sign("alice", KEY, 0, SECRET));
        assertThrows(IllegalArgumentException.class, () -> LegacySignature.sign("alice", KEY, -1, SECRET));
    }
}
