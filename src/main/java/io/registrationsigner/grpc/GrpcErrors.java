package io.registrationsigner.grpc;

import org.jboss.logging.Logger;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.registrationsigner.ratelimit.RateLimitedException;
import io.registrationsigner.redis.RedisUnavailableException;

/**
 * The one place where failures become gRPC statuses. Every description is written here or by
 * validation code for humans: no exception class name, stack trace or secret reaches a caller.
 */
final class GrpcErrors {

    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    static StatusRuntimeException invalidArgument(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    /** For validation code that reports a problem as text: {@code problem.ifPresent(GrpcErrors::throwInvalidArgument)}. */
    static void throwInvalidArgument(String message) {
        throw invalidArgument(message);
    }

    static void throwPermissionDenied(String message) {
        throw Status.PERMISSION_DENIED.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException toStatus(Throwable failure) {
        if (failure instanceof StatusRuntimeException status) {
            return status;
        }
        if (failure instanceof RateLimitedException limited) {
            return resourceExhausted(limited);
        }
        if (failure instanceof RedisUnavailableException unavailable) {
            LOG.warnf("Redis failure: %s (%s)", unavailable.getMessage(), describe(unavailable.getCause()));
            return Status.UNAVAILABLE.withDescription(unavailable.getMessage()).asRuntimeException();
        }
        LOG.errorf("Unexpected failure: %s", describe(failure));
        return Status.INTERNAL.withDescription("internal error").asRuntimeException();
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

    static Status.Code codeOf(Throwable failure) {
        return failure == null ? Status.Code.OK : Status.fromThrowable(failure).getCode();
    }

    // Class and message only: our own exceptions never carry a secret, and stack traces stay out of the hot path.
    private static String describe(Throwable t) {
        return t == null ? "no cause" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
