package io.registrationsigner.grpc.status;

import java.time.Duration;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.registrationsigner.credential.ErrorReason;
import io.registrationsigner.credential.Failure;
import io.registrationsigner.credential.Outcome;
import io.registrationsigner.logging.LogThrottle;
import io.registrationsigner.ratelimit.RateLimitedException;
import io.registrationsigner.redis.RedisUnavailableException;

/**
 * The one place where failures become gRPC statuses. The code is the failure's {@link Outcome},
 * the description its message, written for humans where it was raised; machines read the details
 * in {@code grpc-status-details-bin} (Google's AIP-193): a google.rpc.ErrorInfo with a stable
 * {@link ErrorReason} always, a BadRequest naming the field for INVALID_ARGUMENT, a RetryInfo for
 * RESOURCE_EXHAUSTED and UNAVAILABLE. No exception class name, stack trace or secret reaches a
 * caller; what nobody foresaw is INTERNAL and logged.
 */
public final class GrpcErrors {

    /** The ErrorInfo domain of every failure. */
    public static final String DOMAIN = "registration-signer";
    /** When to try again after UNAVAILABLE: as soon as a client's first backoff would. */
    static final Duration RETRY_UNAVAILABLE = Duration.ofMillis(200);

    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);
    /** A Redis outage fails every call: one line per 10 s says so (signer_redis_up and the outcomes count them). */
    private static final LogThrottle REDIS_FAILURES = new LogThrottle(Duration.ofSeconds(10));

    private GrpcErrors() {
    }

    /** The status a caller gets for this failure, with its details. */
    public static StatusRuntimeException toStatus(Throwable failure) {
        if (failure instanceof StatusRuntimeException status) {
            return status;
        }
        if (failure instanceof RedisUnavailableException unavailable) {
            long unlogged = REDIS_FAILURES.admit();
            if (unlogged >= 0) {
                LOG.warnf("Redis failure: %s (%s)%s", unavailable.getMessage(), describe(unavailable.getCause()),
                        LogThrottle.andUnlogged(unlogged));
            }
        }
        ErrorReason reason = ErrorReason.of(failure);
        if (reason == ErrorReason.INTERNAL_ERROR) {
            LOG.errorf("Unexpected failure: %s", describe(failure));
            return status(reason, "internal error", failure);
        }
        return status(reason, failure.getMessage(), failure);
    }

    /**
     * Ends a call with {@code refusal} before any service saw it. Its trailers are copied: grpc-java
     * writes the status into the Metadata a call is closed with, and refusals built once are shared
     * by the calls of every event loop.
     */
    public static void close(ServerCall<?, ?> call, StatusRuntimeException refusal) {
        Metadata trailers = new Metadata();
        trailers.merge(refusal.getTrailers());
        call.close(refusal.getStatus(), trailers);
    }

    /** {@link #close} from an interceptor: the listener of a call that is over. */
    public static <Q> ServerCall.Listener<Q> refuse(ServerCall<Q, ?> call, StatusRuntimeException refusal) {
        close(call, refusal);
        return new ServerCall.Listener<>() {
        };
    }

    /** What a compressed message gets: UNIMPLEMENTED, as the gRPC protocol answers an encoding a server does not take. */
    public static StatusRuntimeException malformedMessage() {
        return toStatus(new Failure(ErrorReason.MALFORMED_MESSAGE,
                "the request is not a valid protobuf message of this method (see the contract, signer/v1/registration_signer.proto)"));
    }

    public static StatusRuntimeException compressedMessage() {
        return toStatus(new Failure(ErrorReason.COMPRESSED_MESSAGE,
                "compressed messages are not accepted: send them uncompressed (grpc-encoding identity)"));
    }

    private static StatusRuntimeException status(ErrorReason reason, String message, Throwable failure) {
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setDomain(DOMAIN).setReason(reason.name());
        if (failure instanceof Failure known) {
            info.putAllMetadata(known.metadata());
        }
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.valueOf(reason.outcome().name()).value())
                .setMessage(message)
                .addDetails(Any.pack(info.build()));
        reason.field().ifPresent(field -> status.addDetails(Any.pack(BadRequest.newBuilder()
                .addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(field).setDescription(message))
                .build())));
        retryAfter(reason, failure).ifPresent(delay -> status.addDetails(Any.pack(RetryInfo.newBuilder()
                .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(delay.getSeconds()).setNanos(delay.getNano()))
                .build())));
        return StatusProto.toStatusRuntimeException(status.build());
    }

    private static Optional<Duration> retryAfter(ErrorReason reason, Throwable failure) {
        if (failure instanceof RateLimitedException limited) {
            return Optional.of(limited.retryAfter());
        }
        return reason.outcome() == Outcome.UNAVAILABLE ? Optional.of(RETRY_UNAVAILABLE) : Optional.empty();
    }

    // Class and message only: our own exceptions never carry a secret, and stack traces stay out of the hot path.
    private static String describe(Throwable t) {
        return t == null ? "no cause" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
