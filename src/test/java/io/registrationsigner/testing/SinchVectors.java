package io.registrationsigner.testing;

import java.time.Duration;
import java.time.Instant;

/**
 * The public test vectors of Sinch's two credential schemes, in one place (docs/schemes.md says
 * where each comes from). Legacy: {@code Base64(SHA1(userId + applicationKey + sequence +
 * applicationSecret))}, checkable with openssl. JWT: the reference registration token that Sinch
 * publishes in its client SDKs' application authentication documentation.
 */
public final class SinchVectors {

    private SinchVectors() {
    }

    public static final String LEGACY_KEY = "196087a1-e815-4bc4-8984-60d8d8a43f1d";
    public static final String LEGACY_SECRET = "oYdgGRXoxEuJhGDY2KQ/HQ==";
    public static final String LEGACY_USER = "alice";
    /** The signatures of sequences 1 and 2 of {@link #LEGACY_USER}. */
    public static final String LEGACY_SIGNATURE_1 = "7NYSnv8J5/aLOjlQALjGY+OmdD4=";
    public static final String LEGACY_SIGNATURE_2 = "AuLsxVBkIOTKbP2qcq6o64fuYSk=";

    public static final String JWT_KEY = "a32e5a8d-f7d8-411c-9645-9038e8dd051d";
    public static final String JWT_SECRET = "ax8hTTQJF0OPXL32r1LHMA==";
    public static final String JWT_USER = "foo";
    public static final String JWT_NONCE = "6b438bda-2d5c-4e8c-92b0-39f20a94b34e";
    public static final Instant JWT_ISSUED_AT = Instant.parse("2018-01-02T03:04:05Z");
    public static final Duration JWT_TTL = Duration.ofSeconds(600);
    /** HMAC-SHA256(Base64Decode(secret), "20180102"), in Base64. */
    public static final String JWT_DERIVED_KEY = "AZj5EsS8S7wb06xr5jERqPHsraQt3w/+Ih5EfrhisBQ=";
    public static final String JWT_TOKEN = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImhrZGZ2MS0yMDE4MDEwMiJ9."
            + "eyJleHAiOjE1MTQ4NjI4NDUsImlhdCI6MTUxNDg2MjI0NSwiaXNzIjoiLy9ydGMuc2luY2guY29tL2FwcGxpY2F0aW9ucy9hMzJlNWE4ZC1mN2Q4"
            + "LTQxMWMtOTY0NS05MDM4ZThkZDA1MWQiLCJub25jZSI6IjZiNDM4YmRhLTJkNWMtNGU4Yy05MmIwLTM5ZjIwYTk0YjM0ZSIsInN1YiI6Ii8vcnRj"
            + "LnNpbmNoLmNvbS9hcHBsaWNhdGlvbnMvYTMyZTVhOGQtZjdkOC00MTFjLTk2NDUtOTAzOGU4ZGQwNTFkL3VzZXJzL2ZvbyJ9."
            + "10N-QAvRK0-dacox5X5YusK7C0AWb-kZLiNNTKLQw8I";
}
