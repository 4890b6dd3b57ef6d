package io.registrationsigner.signing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jose4j.json.JsonUtil;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

/**
 * Sinch's registration tokens: a JWT with header {@code {"alg":"HS256","kid":"hkdfv1-YYYYMMDD"}}
 * and claims {@code iss}, {@code sub}, {@code iat}, {@code exp}, {@code nonce} and optionally
 * {@code sinch:rtc:instance:exp}, signed with
 * {@code HMAC-SHA256(key = Base64Decode(secret), message = UTF8("YYYYMMDD"))} where the date is
 * the UTC date of {@code iat}. Claims are written compact with sorted keys, which reproduces
 * Sinch's published reference token byte for byte.
 */
public final class RegistrationTokens {

    public static final String KEY_ID_PREFIX = "hkdfv1-";
    public static final String INSTANCE_EXPIRY_CLAIM = "sinch:rtc:instance:exp";
    static final String ISSUER_PREFIX = "//rtc.sinch.com/applications/";
    static final String USERS_INFIX = "/users/";

    private static final DateTimeFormatter KEY_DATE = DateTimeFormatter.ofPattern("uuuuMMdd")
            .withResolverStyle(ResolverStyle.STRICT);
    private static final Pattern KEY_ID = Pattern.compile(KEY_ID_PREFIX + "\\d{8}");
    private static final int MAX_ECHO = 120;
    private static final AlgorithmConstraints HS256_ONLY = new AlgorithmConstraints(
            AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.HMAC_SHA256);

    private RegistrationTokens() {
    }

    /** What a token says. Times are whole seconds, as JWT writes them. */
    public record Claims(String applicationKey, String userId, Instant issuedAt, Instant expiresAt, String nonce,
            Optional<Instant> instanceExpiresAt) {
    }

    public record IssuedToken(String token, String keyId, Instant expiresAt) {
    }

    public static String issuer(String applicationKey) {
        return ISSUER_PREFIX + applicationKey;
    }

    public static String subject(String applicationKey, String userId) {
        return issuer(applicationKey) + USERS_INFIX + userId;
    }

    public static String keyId(LocalDate date) {
        return KEY_ID_PREFIX + KEY_DATE.format(date);
    }

    /** The signing key of one day: HMAC-SHA256 of "YYYYMMDD" under the decoded application secret. */
    public static byte[] signingKey(String applicationSecret, LocalDate date) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(applicationSecret), "HmacSHA256"));
            return mac.doFinal(KEY_DATE.format(date).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            // HmacSHA256 is required of every Java platform; a configured secret is never empty.
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * Signs a token. Written by hand, not through a JOSE library: the header of a day and its
     * derived key are computed once, the claims are a fixed, sorted set, and each thread writes
     * into its own buffers with its own HMAC (TokenWriter); a test checks the bytes against
     * jose4j's serialization and Sinch's reference token.
     */
    public static IssuedToken issue(String applicationSecret, Claims claims) {
        Day day = day(utcDate(claims.issuedAt()));
        String token = WRITERS.get().write(day.encodedHeader(), signingKey(new DayKey(applicationSecret, day.date())), claims);
        return new IssuedToken(token, day.keyId(), Instant.ofEpochSecond(claims.expiresAt().getEpochSecond()));
    }

    static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final ThreadLocal<TokenWriter> WRITERS = ThreadLocal.withInitial(TokenWriter::new);

    /** A day's key id and encoded header, shared by all tokens of that day. */
    private record Day(LocalDate date, String keyId, byte[] encodedHeader) {
    }

    private static volatile Day currentDay = new Day(LocalDate.EPOCH, keyId(LocalDate.EPOCH), header(LocalDate.EPOCH));

    private static Day day(LocalDate date) {
        Day day = currentDay;
        if (!day.date().equals(date)) {
            day = new Day(date, keyId(date), header(date));
            currentDay = day;
        }
        return day;
    }

    private static byte[] header(LocalDate date) {
        return BASE64URL.encode(("{\"alg\":\"HS256\",\"kid\":\"" + keyId(date) + "\"}")
                .getBytes(StandardCharsets.US_ASCII));
    }

    /** Derived keys by (secret, day): a few entries per application; dropped wholesale when it grows. */
    private record DayKey(String secret, LocalDate date) {
        @Override
        public String toString() {
            return "DayKey[" + date + "]";
        }
    }

    private static final Map<DayKey, SecretKeySpec> signingKeys = new ConcurrentHashMap<>();

    private static SecretKeySpec signingKey(DayKey key) {
        SecretKeySpec known = signingKeys.get(key);
        if (known != null) {
            return known;
        }
        // Outside computeIfAbsent: its function must not change the map. A race derives a key twice.
        if (signingKeys.size() >= 256) {
            signingKeys.clear();
        }
        SecretKeySpec derived = new SecretKeySpec(signingKey(key.secret(), key.date()), "HmacSHA256");
        signingKeys.put(key, derived);
        return derived;
    }

    /** The longest token worth reading (callers check it before {@link #verify}): Sinch's are about 400 characters. */
    public static final int MAX_TOKEN_LENGTH = 4096;
    /** The last second of year 9999: JWT times beyond it are no dates anyone issues. */
    private static final long MAX_EPOCH_SECOND = 253_402_300_799L;

    /**
     * Checks a token for one user of one application at {@code now}. The checks run in the order
     * that explains a failure best: shape, application, user, key id date, signature, expiry.
     * Every field is checked for its type and range before it is used: whatever a caller sends,
     * the answer is a verification, never an exception.
     */
    public static Verification verify(String token, String applicationKey, String applicationSecret, String userId,
            Instant now) {
        if (token.split("\\.", -1).length != 3) {
            return Verification.failed(Verification.Problem.MALFORMED, "malformed: a token is three base64url parts separated by dots");
        }
        JsonWebSignature jws = new JsonWebSignature();
        // Parse any alg so that a wrong one gets its own reason; only HS256 ever verifies.
        jws.setAlgorithmConstraints(AlgorithmConstraints.NO_CONSTRAINTS);
        Map<String, Object> claims;
        try {
            jws.setCompactSerialization(token);
            claims = JsonUtil.parseJson(jws.getUnverifiedPayload());
        } catch (JoseException | RuntimeException e) {
            return Verification.failed(Verification.Problem.MALFORMED, "malformed: the header or the claims are not base64url-encoded JSON objects");
        }
        Object alg = jws.getHeaders().getObjectHeaderValue("alg");
        if (!AlgorithmIdentifiers.HMAC_SHA256.equals(alg)) {
            return Verification.failed(Verification.Problem.MALFORMED, "malformed: alg must be HS256, it is " + echo(alg));
        }
        Object kid = jws.getHeaders().getObjectHeaderValue("kid");
        Optional<LocalDate> keyDate = kid instanceof String keyId ? keyDate(keyId) : Optional.empty();
        if (keyDate.isEmpty()) {
            return Verification.failed(Verification.Problem.MALFORMED, "malformed: kid must be hkdfv1-YYYYMMDD with a real date, it is " + echo(kid));
        }
        Optional<String> malformed = malformedClaim(claims);
        if (malformed.isPresent()) {
            return Verification.failed(Verification.Problem.MALFORMED, "malformed: " + malformed.get());
        }
        if (!issuer(applicationKey).equals(claims.get("iss"))) {
            return Verification.failed(Verification.Problem.WRONG_APPLICATION, "issued for another application: iss is " + echo(claims.get("iss"))
                    + ", expected " + issuer(applicationKey));
        }
        if (!subject(applicationKey, userId).equals(claims.get("sub"))) {
            return Verification.failed(Verification.Problem.WRONG_SUBJECT, "wrong subject: sub is " + echo(claims.get("sub"))
                    + ", expected " + subject(applicationKey, userId));
        }
        Instant issuedAt = Instant.ofEpochSecond((Long) claims.get("iat"));
        if (!keyDate.get().equals(utcDate(issuedAt))) {
            return Verification.failed(Verification.Problem.WRONG_KEY_ID_DATE, "wrong key id date: kid is " + kid + " but iat " + issuedAt
                    + " is on " + utcDate(issuedAt) + " UTC; the key must be derived from the UTC date of iat");
        }
        if (!hasValidSignature(jws, applicationSecret, keyDate.get())) {
            return Verification.failed(Verification.Problem.WRONG_SIGNATURE, "wrong signature: not signed with this application's secret and the key of "
                    + keyDate.get() + " (tampered with, or signed with another secret)");
        }
        Instant expiresAt = Instant.ofEpochSecond((Long) claims.get("exp"));
        if (!now.isBefore(expiresAt)) {
            return Verification.failed(Verification.Problem.EXPIRED, "expired at " + expiresAt + " (now " + now.getEpochSecond() + " is past exp)");
        }
        if (issuedAt.isAfter(now.plusSeconds(60))) {
            return Verification.failed(Verification.Problem.NOT_YET_VALID, "not yet valid: iat " + issuedAt + " is in the future (clock skew?)");
        }
        return Verification.passed();
    }

    /** The date of {@code hkdfv1-YYYYMMDD}, strictly: 20260231 is no date. */
    static Optional<LocalDate> keyDate(String keyId) {
        if (!KEY_ID.matcher(keyId).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(keyId.substring(KEY_ID_PREFIX.length()), KEY_DATE));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static boolean hasValidSignature(JsonWebSignature jws, String applicationSecret, LocalDate keyDate) {
        try {
            jws.setAlgorithmConstraints(HS256_ONLY);
            jws.setKey(new HmacKey(signingKey(applicationSecret, keyDate)));
            return jws.verifySignature();
        } catch (JoseException | RuntimeException e) {
            // A header jose4j cannot take (a "crit" that is no list, say) verifies nothing.
            return false;
        }
    }

    /** Why the claims are not what a token must hold, or empty when they are; iat and exp end up as Longs. */
    private static Optional<String> malformedClaim(Map<String, Object> claims) {
        for (String name : new String[] { "iss", "sub", "nonce" }) {
            if (!(claims.get(name) instanceof String)) {
                return Optional.of("the claim " + name + " must be a string");
            }
        }
        for (String name : new String[] { "iat", "exp" }) {
            // The JSON parser gives whole numbers as Long, others as Double or BigInteger.
            if (!(claims.get(name) instanceof Long seconds) || seconds < 0 || seconds > MAX_EPOCH_SECOND) {
                return Optional.of("the claim " + name + " must be whole seconds since the epoch, from 0 to "
                        + MAX_EPOCH_SECOND);
            }
        }
        return Optional.empty();
    }

    private static LocalDate utcDate(Instant instant) {
        // Not LocalDate.ofInstant(instant, UTC): that builds new ZoneRules on every call.
        return LocalDate.ofEpochDay(Math.floorDiv(instant.getEpochSecond(), 86_400));
    }

    /** Caller-supplied text in a reason: short, and only what the caller sent. */
    private static String echo(Object value) {
        String text = String.valueOf(value);
        return text.length() <= MAX_ECHO ? text : text.substring(0, MAX_ECHO) + "...";
    }
}
