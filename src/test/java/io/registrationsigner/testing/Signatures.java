package io.registrationsigner.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** The legacy signature recomputed from its definition, independently of the service's code. */
public final class Signatures {

    private Signatures() {
    }

    public static String expected(String userId, String applicationKey, long sequence, String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((userId + applicationKey + sequence + secret).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
