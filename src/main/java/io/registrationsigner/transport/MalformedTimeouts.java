package io.registrationsigner.transport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GlobalInterceptor;
import io.registrationsigner.credential.ErrorReason;
import io.registrationsigner.credential.Failure;
import io.registrationsigner.grpc.status.GrpcErrors;

/**
 * Answers a call whose {@code grpc-timeout} {@link ConnectionGuard} took away: INTERNAL for a
 * malformed one (as grpc-go answers it), DEADLINE_EXCEEDED for one of zero. grpc-java alone resets
 * such a stream without a status, and logs two stack traces for each.
 */
@GlobalInterceptor
@ApplicationScoped
public class MalformedTimeouts implements ServerInterceptor, Prioritized {

    static final Metadata.Key<String> TIMEOUT_PROBLEM = Metadata.Key.of(ConnectionGuard.TIMEOUT_PROBLEM.toString(),
            Metadata.ASCII_STRING_MARSHALLER);
    /** Before every other interceptor: a call without a valid deadline reaches none of them. */
    private static final int PRIORITY = 20_000;

    // The same answers for every such request: built once.
    private final StatusRuntimeException malformed = GrpcErrors.toStatus(new Failure(ErrorReason.MALFORMED_TIMEOUT,
            "the grpc-timeout header must be 1 to 8 digits and a unit (H, M, S, m, u or n), as gRPC over HTTP/2 defines it"));
    private final StatusRuntimeException expired = GrpcErrors.toStatus(new Failure(ErrorReason.DEADLINE_PASSED,
            "the caller's deadline passed"));

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String problem = headers.get(TIMEOUT_PROBLEM);
        if (problem == null) {
            return next.startCall(call, headers);
        }
        return GrpcErrors.refuse(call, ConnectionGuard.EXPIRED.contentEquals(problem) ? expired : malformed);
    }
}
