package io.registrationsigner.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jose4j.json.JsonUtil;
import org.jose4j.lang.JoseException;

/**
 * Reads and checks registration tokens the way a test must: from the published derivation and
 * plain JDK HMAC, independently of the service's own token code.
 */
public final class Tokens {

    private Tokens() {
    }

    public static Map<String, Object> header(String token) {
        return json(token.split("\\.")[0]);
    }

    public static Map<String, Object> claims(String token) {
        return json(token.split("\\.")[1]);
    }

    public static long claim(String token, String name) {
        return ((Number) claims(token).get(name)).longValue();
    }

    /** HMAC-SHA256(Base64Decode(secret), "YYYYMMDD") for the date in the token's kid. */
    public static byte[] derivedKey(String secret, String yyyymmdd) {
        return hmac(Base64.getDecoder().decode(secret), yyyymmdd.getBytes(StandardCharsets.UTF_8));
    }

    /** Recomputes the HS256 signature over header.payload with the key derived from the kid's date. */
    public static boolean independentlyVerified(String token, String secret) {
        String[] parts = token.split("\\.");
        String kid = (String) header(token).get("kid");
        byte[] key = derivedKey(secret, kid.substring("hkdfv1-".length()));
        byte[] expected = hmac(key, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        return MessageDigest.isEqual(expected, Base64.getUrlDecoder().decode(parts[2]));
    }

    /** The kid a token issued at {@code instant} must carry: the UTC date. */
    public static String keyIdFor(Instant instant) {
        return "hkdfv1-" + DateTimeFormatter.BASIC_ISO_DATE.format(LocalDate.ofInstant(instant, java.time.ZoneOffset.UTC));
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, Object> json(String base64url) {
        try {
            return JsonUtil.parseJson(new String(Base64.getUrlDecoder().decode(base64url), StandardCharsets.UTF_8));
        } catch (JoseException e) {
            throw new AssertionError(e);
        }
    }
}
