package io.registrationsigner.example;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.IssueRegistrationTokenResponse;
import io.registrationsigner.api.v1.LegacyCredential;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.RegistrationSignerGrpc.RegistrationSignerBlockingStub;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.api.v1.VerifyRegistrationResponse;

/**
 * Calls registration-signer as a client team's JVM service would: a channel that retries
 * UNAVAILABLE, a deadline on every call, RESOURCE_EXHAUSTED waited out as its RetryInfo says.
 *
 * <p>Environment: SIGNER_TARGET (host:port, plaintext) and SIGNER_TOKEN (the caller's bearer
 * token). Arguments: a user id, and how many legacy credentials to issue for it (default 1).
 * Prints one line per event; on a failure, its status and ErrorInfo reason, and exits with 1.
 */
public final class SignerClient {

    /** The retry policy docs/clients.md recommends. A retried call gets a new sequence, never an old one. */
    static final Map<String, ?> SERVICE_CONFIG = Map.of("methodConfig", List.of(Map.of(
            "name", List.of(Map.of("service", "signer.v1.RegistrationSigner")),
            "retryPolicy", Map.of(
                    "maxAttempts", 5.0,
                    "initialBackoff", "0.1s",
                    "maxBackoff", "1s",
                    "backoffMultiplier", 2.0,
                    "retryableStatusCodes", List.of("UNAVAILABLE")))));

    /** How often one call waits out a rate limit before giving up. */
    private static final int RATE_LIMIT_WAITS = 3;

    private SignerClient() {
    }

    public static void main(String[] args) throws InterruptedException {
        String userId = args[0];
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        ManagedChannel channel = Grpc.newChannelBuilder(env("SIGNER_TARGET"), InsecureChannelCredentials.create())
                .defaultServiceConfig(SERVICE_CONFIG)
                .enableRetry()
                .build();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + env("SIGNER_TOKEN"));
        RegistrationSignerBlockingStub signer = RegistrationSignerGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        try {
            for (int i = 0; i < count; i++) {
                SignRegistrationResponse signed = call(() -> withDeadline(signer)
                        .signRegistration(SignRegistrationRequest.newBuilder().setUserId(userId).build()));
                System.out.println("signed " + signed.getUserId() + " sequence=" + signed.getSequence()
                        + " signature=" + signed.getSignature());
                VerifyRegistrationResponse verified = call(() -> withDeadline(signer)
                        .verifyRegistration(VerifyRegistrationRequest.newBuilder().setUserId(userId)
                                .setLegacy(LegacyCredential.newBuilder().setSequence(signed.getSequence())
                                        .setSignature(signed.getSignature()))
                                .build()));
                System.out.println("verified sequence=" + signed.getSequence() + " valid=" + verified.getValid());
            }
            IssueRegistrationTokenResponse token = call(() -> withDeadline(signer)
                    .issueRegistrationToken(IssueRegistrationTokenRequest.newBuilder().setUserId(userId).build()));
            System.out.println("token key_id=" + token.getKeyId() + " expires_at=" + token.getExpiresAt().getSeconds()
                    + " token=" + token.getToken());
        } catch (StatusRuntimeException e) {
            System.out.println("failed " + e.getStatus().getCode() + " " + errorInfo(e).map(ErrorInfo::getReason).orElse("-")
                    + ": " + e.getStatus().getDescription());
            System.exit(1);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Every call gets its own deadline: the service answers within its Redis timeout (2 s). */
    private static RegistrationSignerBlockingStub withDeadline(RegistrationSignerBlockingStub signer) {
        return signer.withDeadlineAfter(3, TimeUnit.SECONDS);
    }

    /** Runs the call; when it is rate limited, waits as its RetryInfo says and calls again. */
    static <T> T call(Supplier<T> rpc) throws InterruptedException {
        for (int waits = 0;; waits++) {
            try {
                return rpc.get();
            } catch (StatusRuntimeException e) {
                Optional<com.google.protobuf.Duration> delay = detail(e, RetryInfo.class).map(RetryInfo::getRetryDelay);
                if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED || delay.isEmpty() || waits == RATE_LIMIT_WAITS) {
                    throw e;
                }
                long millis = delay.get().getSeconds() * 1000 + delay.get().getNanos() / 1_000_000;
                System.out.println("rate limited " + errorInfo(e).map(ErrorInfo::getReason).orElse("-")
                        + ": waiting " + millis + " ms as RetryInfo says");
                Thread.sleep(millis);
            }
        }
    }

    static Optional<ErrorInfo> errorInfo(StatusRuntimeException e) {
        return detail(e, ErrorInfo.class);
    }

    /** A detail of the google.rpc.Status that the service sends in grpc-status-details-bin. */
    static <D extends com.google.protobuf.Message> Optional<D> detail(StatusRuntimeException e, Class<D> type) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status == null) {
            return Optional.empty();
        }
        for (Any detail : status.getDetailsList()) {
            if (detail.is(type)) {
                try {
                    return Optional.of(detail.unpack(type));
                } catch (InvalidProtocolBufferException malformed) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(name + " is not set");
        }
        return value;
    }
}
