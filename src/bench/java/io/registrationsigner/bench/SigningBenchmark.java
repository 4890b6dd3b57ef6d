package io.registrationsigner.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.registrationsigner.signing.LegacySignature;
import io.registrationsigner.signing.RegistrationTokens;

/**
 * The signing code against the bare JDK primitive over the same bytes: the difference is what the
 * code around the hash costs (building the input, Base64, JSON, key handling).
 * <ul>
 * <li>legacy: {@link LegacySignature#sign} vs one SHA-1 of the same UTF-8 input with a ready
 * {@link MessageDigest};</li>
 * <li>JWT: {@link RegistrationTokens#issue} vs one HMAC-SHA256, with a ready {@link Mac} keyed with
 * the day's derived key, over the same header.payload bytes the token signs.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class SigningBenchmark {

    private static final String USER = "alice-1234";
    private static final String KEY = io.registrationsigner.testing.SinchVectors.LEGACY_KEY;
    private static final String SECRET = io.registrationsigner.testing.SinchVectors.LEGACY_SECRET;
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private static final RegistrationTokens.Claims CLAIMS = new RegistrationTokens.Claims(KEY, USER, NOW,
            NOW.plusSeconds(600), "6f1f3cd0-1c8a-4bd7-9a3e-2b8d8b0c1f5e", Optional.empty());

    private long sequence = 1_795_000_000_000L;
    private MessageDigest sha1;
    private byte[] legacyInput;
    private Mac hmac;
    private byte[] tokenSigningInput;

    @Setup
    public void setUp() throws Exception {
        sha1 = MessageDigest.getInstance("SHA-1");
        legacyInput = (USER + KEY + sequence + SECRET).getBytes(StandardCharsets.UTF_8);
        hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(RegistrationTokens.signingKey(SECRET, LocalDate.ofInstant(NOW, ZoneOffset.UTC)),
                "HmacSHA256"));
        String token = RegistrationTokens.issue(SECRET, CLAIMS).token();
        tokenSigningInput = token.substring(0, token.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
    }

    @Benchmark
    public String legacySignature() {
        return LegacySignature.sign(USER, KEY, sequence, SECRET);
    }

    @Benchmark
    public byte[] legacyBareSha1() {
        return sha1.digest(legacyInput);
    }

    @Benchmark
    public String registrationToken() {
        return RegistrationTokens.issue(SECRET, CLAIMS).token();
    }

    @Benchmark
    public byte[] registrationTokenBareHmacSha256() {
        return hmac.doFinal(tokenSigningInput);
    }
}
