package io.registrationsigner.signing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Writes one token at a time into reused buffers: the claims as UTF-8 JSON, then header, '.',
 * Base64url of the claims, the HMAC of all that, '.', and its Base64url; one String at the end.
 * Not thread-safe: one per thread. The JSON is what jose4j writes for the same claims (a test
 * compares them byte for byte).
 */
final class TokenWriter {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private final Mac hmac;
    private final byte[] signature = new byte[32];
    private SecretKeySpec hmacKey;
    private byte[] json = new byte[512];
    private int jsonLength;
    private byte[] encoded = new byte[512];
    private byte[] token = new byte[1024];
    private int tokenLength;

    TokenWriter() {
        try {
            hmac = Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    String write(byte[] encodedHeader, SecretKeySpec key, RegistrationTokens.Claims claims) {
        jsonLength = 0;
        ascii("{\"exp\":").decimal(claims.expiresAt().getEpochSecond())
                .ascii(",\"iat\":").decimal(claims.issuedAt().getEpochSecond())
                .ascii(",\"iss\":\"").ascii(RegistrationTokens.ISSUER_PREFIX).jsonChars(claims.applicationKey())
                .ascii("\",\"nonce\":\"").jsonChars(claims.nonce()).ascii("\"");
        if (claims.instanceExpiresAt().isPresent()) {
            ascii(",\"" + RegistrationTokens.INSTANCE_EXPIRY_CLAIM + "\":")
                    .decimal(claims.instanceExpiresAt().get().getEpochSecond());
        }
        ascii(",\"sub\":\"").ascii(RegistrationTokens.ISSUER_PREFIX).jsonChars(claims.applicationKey())
                .ascii(RegistrationTokens.USERS_INFIX).jsonChars(claims.userId()).ascii("\"}");

        tokenLength = 0;
        ensureToken(encodedHeader.length + 1 + (jsonLength + 2) / 3 * 4 + 1 + 43);
        System.arraycopy(encodedHeader, 0, token, 0, encodedHeader.length);
        tokenLength = encodedHeader.length;
        token[tokenLength++] = '.';
        base64url(Arrays.copyOf(json, jsonLength));
        if (key != hmacKey) {
            try {
                hmac.init(key);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 refused its key", e);
            }
            hmacKey = key;
        }
        hmac.update(token, 0, tokenLength);
        try {
            hmac.doFinal(signature, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("HMAC-SHA256 did not fit in 32 bytes", e);
        }
        token[tokenLength++] = '.';
        base64url(signature);
        return new String(token, 0, tokenLength, StandardCharsets.ISO_8859_1);
    }

    private TokenWriter ascii(String text) {
        ensureJson(text.length());
        for (int i = 0; i < text.length(); i++) {
            json[jsonLength++] = (byte) text.charAt(i);
        }
        return this;
    }

    private TokenWriter decimal(long value) {
        return ascii(Long.toString(value));
    }

    /** The inside of a JSON string, escaped as jose4j escapes it, in UTF-8. */
    private TokenWriter jsonChars(String value) {
        ensureJson(value.length() * 6);
        byte[] out = json;
        int at = jsonLength;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
                out[at++] = (byte) c;
            } else if (c == '"' || c == '\\') {
                out[at++] = '\\';
                out[at++] = (byte) c;
            } else if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
                out[at++] = '\\';
                out[at++] = (byte) (c == '\b' ? 'b' : c == '\f' ? 'f' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
            } else if (c <= 0x1F || (c >= 0x7F && c <= 0x9F) || (c >= 0x2000 && c <= 0x20FF)) {
                out[at++] = '\\';
                out[at++] = 'u';
                out[at++] = HEX[c >>> 12];
                out[at++] = HEX[c >>> 8 & 0xF];
                out[at++] = HEX[c >>> 4 & 0xF];
                out[at++] = HEX[c & 0xF];
            } else if (c < 0x800) {
                out[at++] = (byte) (0xC0 | c >>> 6);
                out[at++] = (byte) (0x80 | c & 0x3F);
            } else if (!Character.isSurrogate(c)) {
                out[at++] = (byte) (0xE0 | c >>> 12);
                out[at++] = (byte) (0x80 | c >>> 6 & 0x3F);
                out[at++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                int codePoint = Character.toCodePoint(c, value.charAt(++i));
                out[at++] = (byte) (0xF0 | codePoint >>> 18);
                out[at++] = (byte) (0x80 | codePoint >>> 12 & 0x3F);
                out[at++] = (byte) (0x80 | codePoint >>> 6 & 0x3F);
                out[at++] = (byte) (0x80 | codePoint & 0x3F);
            } else {
                out[at++] = '?'; // what String.getBytes(UTF_8) writes for a lone surrogate
            }
        }
        jsonLength = at;
        return this;
    }

    /** Base64url without padding, appended to the token (the JDK's encoder is a CPU intrinsic). */
    private void base64url(byte[] bytes) {
        ensureEncoded(bytes.length);
        int length = RegistrationTokens.BASE64URL.encode(bytes, encoded);
        System.arraycopy(encoded, 0, token, tokenLength, length);
        tokenLength += length;
    }

    private void ensureEncoded(int bytes) {
        int length = (bytes + 2) / 3 * 4;
        if (length > encoded.length) {
            encoded = new byte[Math.max(encoded.length * 2, length)];
        }
    }

    private void ensureJson(int more) {
        if (jsonLength + more > json.length) {
            json = Arrays.copyOf(json, Math.max(json.length * 2, jsonLength + more));
        }
    }

    private void ensureToken(int length) {
        if (length > token.length) {
            token = new byte[Math.max(token.length * 2, length)];
        }
    }
}
