package io.registrationsigner.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnknownFieldSet;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.IssueRegistrationTokenResponse;
import io.registrationsigner.api.v1.LegacyCredential;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.api.v1.VerifyRegistrationResponse;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.StatusMessages;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.Tokens;

/**
 * 10,000 random and hostile requests as raw frames: well-formed messages with hostile values get
 * only the error model's statuses (and OK only for a valid user id); registration tokens that are
 * well-formed JWTs with fields of random types and values get an answer (valid=false, with a
 * reason), never an error; bytes that are not a valid message may also get the framework's
 * INTERNAL; messages over the size limit RESOURCE_EXHAUSTED. Never UNKNOWN, never a class name,
 * and the service serves normally afterwards.
 */
@QuarkusTest
@WithTestResource(SignerTestResource.class)
class FuzzTest extends ServiceTestBase {

    private static final long SEED = 20261128L;
    private static final int REQUESTS = 10_000;
    private static final Pattern SINCH_USER_ID = Pattern.compile("[A-Za-z0-9=_-]{1,255}");
    private static final Set<Status.Code> ERROR_MODEL = Set.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
            Status.Code.NOT_FOUND, Status.Code.UNAVAILABLE);
    private static final String PUNCTUATION = "=_-:/+.%@ \\\"'\u2028\u0000";
    private static final String SINCH_ALPHABET = "ABCXYZabcxyz0189-_=";
    /** quarkus.grpc.server.max-inbound-message-size */
    private static final int MAX_INBOUND_MESSAGE = 16_384;
    private static final String[] METHODS = { "SignRegistration", "IssueRegistrationToken", "VerifyRegistration" };

    private final Random random = new Random(SEED);

    @Test
    void hostileRequestsGetOnlyTheErrorModelAndTheServiceStaysHealthy() throws Exception {
        Map<Status.Code, Integer> seen = new EnumMap<>(Status.Code.class);
        Semaphore inFlight = new Semaphore(64);
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            String method = METHODS[random.nextInt(METHODS.length)];
            boolean wellFormed = random.nextInt(4) != 0;
            byte[] body = wellFormed ? hostileMessage(method) : malformedBytes();
            inFlight.acquire();
            CompletableFuture<Void> call = send(method, body).handle((response, failure) -> {
                inFlight.release();
                Status status = failure == null ? Status.OK : Status.fromThrowable(failure);
                synchronized (seen) {
                    seen.merge(status.getCode(), 1, Integer::sum);
                }
                check(method, body, wellFormed, response, status, failure);
                return null;
            });
            calls.add(call);
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        System.out.println("Fuzz (seed " + SEED + "): " + REQUESTS + " requests, statuses " + seen);

        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus());
        assertEquals(1, signer(10).signRegistration(SignRegistrationRequest.newBuilder().setUserId("after-the-fuzz")
                .setApplicationKey(TestApplication.VECTOR.key()).build()).getSequence());
    }

    private static void check(String method, byte[] body, boolean wellFormed, byte[] response, Status status,
            Throwable failure) {
        assertTrue(status.getCode() != Status.Code.UNKNOWN, () -> "UNKNOWN: " + status);
        if (body.length > MAX_INBOUND_MESSAGE) {
            // Refused by size before it is parsed, whatever it holds.
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode(), () -> method + " answered " + status);
        } else if (wellFormed) {
            assertTrue(ERROR_MODEL.contains(status.getCode()), () -> method + " answered " + status);
        } else {
            assertTrue(ERROR_MODEL.contains(status.getCode()) || status.getCode() == Status.Code.INTERNAL,
                    () -> method + " answered " + status);
        }
        if (failure instanceof StatusRuntimeException e && e.getStatus().getDescription() != null) {
            if (wellFormed && body.length <= MAX_INBOUND_MESSAGE) {
                // The service's own answer: with its details for machines.
                StatusMessages.assertSafe(e);
            } else {
                StatusMessages.assertSafeMessage(e);
            }
        }
        if (status.isOk() && method.equals("SignRegistration")) {
            String userId = parse(response).getUserId();
            assertTrue(SINCH_USER_ID.matcher(userId).matches(), () -> "OK for user id " + userId);
        }
        if (status.isOk() && method.equals("VerifyRegistration")) {
            VerifyRegistrationResponse verification = parseVerification(response);
            assertTrue(!verification.getValid() && !verification.getReason().isEmpty(), verification::toString);
        }
        if (status.isOk() && method.equals("IssueRegistrationToken")) {
            String subject = (String) Tokens.claims(parseToken(response)).get("sub");
            String userId = subject.substring(subject.lastIndexOf('/') + 1);
            assertTrue(SINCH_USER_ID.matcher(userId).matches(), () -> "OK for user id " + userId);
        }
    }

    private static String parseToken(byte[] response) {
        try {
            return IssueRegistrationTokenResponse.parseFrom(response).getToken();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static VerifyRegistrationResponse parseVerification(byte[] response) {
        try {
            return VerifyRegistrationResponse.parseFrom(response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SignRegistrationResponse parse(byte[] response) {
        try {
            return SignRegistrationResponse.parseFrom(response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A valid message of the method's request type, with hostile values and unknown fields. */
    private byte[] hostileMessage(String method) {
        String userId = hostileString();
        String key = switch (random.nextInt(4)) {
            case 0 -> TestApplication.VECTOR.key();
            case 1 -> TestApplication.OTHER.key();
            case 2 -> "";
            default -> hostileString();
        };
        MessageLite message = switch (method) {
            case "SignRegistration" -> SignRegistrationRequest.newBuilder().setUserId(userId).setApplicationKey(key)
                    .setUnknownFields(unknownFields()).build();
            case "IssueRegistrationToken" -> IssueRegistrationTokenRequest.newBuilder().setUserId(userId)
                    .setApplicationKey(key)
                    .setTokenTtl(Duration.newBuilder().setSeconds(random.nextLong()).setNanos(random.nextInt()))
                    .setInstanceTtl(Duration.newBuilder().setSeconds(random.nextInt(Integer.MAX_VALUE)))
                    .setUnknownFields(unknownFields()).build();
            default -> {
                VerifyRegistrationRequest.Builder verify = VerifyRegistrationRequest.newBuilder().setUserId(userId)
                        .setApplicationKey(key);
                int credential = random.nextInt(3);
                if (credential == 0) {
                    verify.setToken(hostileString() + "." + hostileString() + "." + hostileString());
                } else if (credential == 1) {
                    // A valid user of a known application, so that the token itself is checked.
                    verify.setUserId("crafted-user").setApplicationKey(TestApplication.VECTOR.key())
                            .setToken(craftedToken("crafted-user", TestApplication.VECTOR.key()));
                } else {
                    verify.setLegacy(LegacyCredential.newBuilder().setSequence(random.nextLong()).setSignature(hostileString()));
                }
                yield verify.setUnknownFields(unknownFields()).build();
            }
        };
        return message.toByteArray();
    }

    /** A well-formed JWT whose header fields and claims have random types and values. */
    private String craftedToken(String userId, String key) {
        Map<String, Object> header = new java.util.LinkedHashMap<>();
        header.put("alg", pick("HS256", randomJson()));
        header.put("kid", pick("hkdfv1-20260101", "hkdfv1-" + (19000101 + random.nextInt(90_000_000)), randomJson()));
        if (random.nextInt(8) == 0) {
            header.put("crit", randomJson());
        }
        Map<String, Object> claims = new java.util.LinkedHashMap<>();
        String issuer = "//rtc.sinch.com/applications/" + key;
        claims.put("iss", pick(issuer, randomJson()));
        claims.put("sub", pick(issuer + "/users/" + userId, randomJson()));
        claims.put("nonce", pick("n-" + random.nextInt(), randomJson()));
        claims.put("iat", pick(1767225600L, randomJson()));
        claims.put("exp", pick(1767226200L, randomJson()));
        claims.put("sinch:rtc:instance:exp", pick(1767398400L, randomJson()));
        claims.keySet().removeIf(name -> random.nextInt(10) == 0);
        byte[] signature = new byte[random.nextInt(3) == 0 ? random.nextInt(64) : 32];
        random.nextBytes(signature);
        java.util.Base64.Encoder base64url = java.util.Base64.getUrlEncoder().withoutPadding();
        return base64url.encodeToString(org.jose4j.json.JsonUtil.toJson(header).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + "." + base64url.encodeToString(org.jose4j.json.JsonUtil.toJson(claims).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + "." + base64url.encodeToString(signature);
    }

    /** One of the plausible values half of the time, else the last (a random JSON value). */
    private Object pick(Object... values) {
        return random.nextBoolean() ? values[random.nextInt(values.length)] : values[values.length - 1];
    }

    private Object randomJson() {
        return switch (random.nextInt(12)) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> random.nextLong();
            case 3 -> random.nextDouble() * Math.pow(10, random.nextInt(320));
            case 4 -> -random.nextInt(1000);
            case 5 -> new java.math.BigInteger(200, random);
            case 6 -> java.util.Arrays.asList(randomJson(), "HS256");
            case 7 -> Map.of("alg", "HS256");
            case 8 -> Long.MAX_VALUE;
            case 9 -> "hkdfv1-2026" + random.nextInt(10) + random.nextInt(10) + random.nextInt(4) + random.nextInt(10);
            default -> hostileString();
        };
    }

    private String hostileString() {
        int length = switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> 1 + random.nextInt(8);
            case 2 -> 250 + random.nextInt(10);
            case 3 -> 1 + random.nextInt(64);
            default -> random.nextInt(20_000);
        };
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(switch (random.nextInt(6)) {
                case 0 -> (char) random.nextInt(32); // control characters
                case 1 -> (char) (0x80 + random.nextInt(0x2000)); // non-ASCII
                case 2 -> PUNCTUATION.charAt(random.nextInt(PUNCTUATION.length()));
                default -> SINCH_ALPHABET.charAt(random.nextInt(SINCH_ALPHABET.length()));
            });
        }
        return text.toString();
    }

    private UnknownFieldSet unknownFields() {
        if (random.nextBoolean()) {
            return UnknownFieldSet.getDefaultInstance();
        }
        return UnknownFieldSet.newBuilder()
                .addField(100 + random.nextInt(1000), UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(ByteString.copyFromUtf8(hostileString())).addVarint(random.nextLong()).build())
                .build();
    }

    /** Bytes that are not a valid message: random, invalid UTF-8 in a string field, truncated varints. */
    private byte[] malformedBytes() {
        return switch (random.nextInt(3)) {
            case 0 -> {
                byte[] bytes = new byte[random.nextInt(512)];
                random.nextBytes(bytes);
                yield bytes;
            }
            case 1 -> new byte[] { 0x0a, 0x04, (byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28 }; // user_id: invalid UTF-8
            default -> new byte[] { 0x12, (byte) 0xff, (byte) 0xff, (byte) 0xff }; // length varint cut short
        };
    }

    private CompletableFuture<byte[]> send(String method, byte[] body) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(channel.newCall(raw(method), CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
                body, new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                        result.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        result.complete(new byte[0]);
                    }
                });
        return result;
    }

    private static MethodDescriptor<byte[], byte[]> raw(String method) {
        MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        return MethodDescriptor.<byte[], byte[]> newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("signer.v1.RegistrationSigner/" + method)
                .setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
    }
}
