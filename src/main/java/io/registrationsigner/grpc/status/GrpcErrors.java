package io.registrationsigner.grpc.status;

import org.jboss.logging.Logger;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.registrationsigner.credential.Outcome;
import io.registrationsigner.ratelimit.RateLimitedException;
import io.registrationsigner.redis.RedisUnavailableException;

/**
 * The one place where failures become gRPC statuses: the status code is the failure's
 * {@link Outcome}, the description its message, written for humans where it was raised. No
 * exception class name, stack trace or secret reaches a caller; what nobody foresaw is INTERNAL
 * and logged.
 */
public final class GrpcErrors {

    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    /** The status a caller gets for this failure. */
    public static StatusRuntimeException toStatus(Throwable failure) {
        if (failure instanceof StatusRuntimeException status) {
            return status;
        }
        if (failure instanceof RateLimitedException limited) {
            return resourceExhausted(limited);
        }
        if (failure instanceof RedisUnavailableException unavailable) {
            LOG.warnf("Redis failure: %s (%s)", unavailable.getMessage(), describe(unavailable.getCause()));
        }
        Outcome outcome = Outcome.of(failure);
        if (outcome == Outcome.INTERNAL) {
            LOG.errorf("Unexpected failure: %s", describe(failure));
            return Status.INTERNAL.withDescription("internal error").asRuntimeException();
        }
        return status(outcome).withDescription(failure.getMessage()).asRuntimeException();
    }

    /** The status code of an outcome: they have the same names. */
    public static Status status(Outcome outcome) {
        return Status.fromCode(Status.Code.valueOf(outcome.name()));
    }

    /** What a compressed message gets: UNIMPLEMENTED, as the gRPC protocol answers an encoding a server does not take. */
    public static Status compressedMessage() {
        return Status.UNIMPLEMENTED.withDescription(
                "compressed messages are not accepted: send them uncompressed (grpc-encoding identity)");
    }

    /** RESOURCE_EXHAUSTED with the wait in the message and in a google.rpc.RetryInfo detail. */
    private static StatusRuntimeException resourceExhausted(RateLimitedException limited) {
        long millis = limited.retryAfter().toMillis();
        RetryInfo retry = RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
                .setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000)).build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
                .setMessage(limited.getMessage())
                .addDetails(Any.pack(retry))
                .build());
    }

    // Class and message only: our own exceptions never carry a secret, and stack traces stay out of the hot path.
    private static String describe(Throwable t) {
        return t == null ? "no cause" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
