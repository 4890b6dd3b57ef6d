package io.registrationsigner.signing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The legacy Sinch user-registration signature:
 * {@code Base64(SHA1(UTF8(userId + applicationKey + sequence + applicationSecret)))}.
 * <p>
 * The secret takes part as its Base64 text, exactly as Sinch's SDK samples concatenate it.
 */
public final class LegacySignature {

    private LegacySignature() {
    }

    /**
     * @param sequence the registration sequence, at least 1, written in decimal
     * @return standard Base64 with padding and no line breaks
     */
    public static String sign(String userId, String applicationKey, long sequence, String applicationSecret) {
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be at least 1");
        }
        // The concatenation and its UTF-8 bytes are JDK intrinsics (an array copy for ASCII text).
        byte[] message = (userId + applicationKey + sequence + applicationSecret).getBytes(StandardCharsets.UTF_8);
        MessageDigest digest = SHA1.get();
        digest.update(message);
        return Base64.getEncoder().encodeToString(digest.digest());
    }

    /** Checks a (signature, sequence) pair, in constant time. */
    public static Verification verify(String userId, String applicationKey, long sequence, String applicationSecret,
            String signature) {
        if (sequence < 1) {
            return Verification.failed(Verification.Problem.MALFORMED, "malformed: sequence must be at least 1");
        }
        byte[] expected = sign(userId, applicationKey, sequence, applicationSecret).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8))) {
            return Verification.failed(Verification.Problem.WRONG_SIGNATURE, "wrong signature: it is not the signature of this user, application and"
                    + " sequence (a sequence off by one, another user's or another application's signature?)");
        }
        return Verification.passed();
    }

    // One digest per thread (a few event loop threads), not a provider lookup per signature.
    // MessageDigest is not thread-safe; a ThreadLocal is.
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must ship SHA-1 (Java SE spec, MessageDigest).
            throw new IllegalStateException("SHA-1 is not available", e);
        }
    });
}
