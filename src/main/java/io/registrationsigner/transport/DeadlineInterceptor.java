package io.registrationsigner.transport;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Makes the caller's deadline known to the service. The gRPC server on the Vert.x HTTP port does
 * not put it into the gRPC context as grpc-java's own server does, so it is read from the
 * {@code grpc-timeout} header when the context has none.
 */
@ApplicationScoped
public class DeadlineInterceptor implements ServerInterceptor {

    private static final Context.Key<Deadline> DEADLINE = Context.key("signer-deadline");
    private static final Metadata.Key<String> GRPC_TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

    /** The current call's deadline, if its caller set one. */
    public static Optional<Deadline> current() {
        return Optional.ofNullable(DEADLINE.get());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Deadline deadline = Context.current().getDeadline();
        if (deadline == null) {
            deadline = parse(headers.get(GRPC_TIMEOUT));
        }
        if (deadline == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(DEADLINE, deadline), call, headers, next);
    }

    /** "100m" is 100 ms: at most 8 digits and one unit (gRPC over HTTP/2); null when absent or malformed. */
    static Deadline parse(String timeout) {
        if (timeout == null || timeout.length() < 2 || timeout.length() > 9) {
            return null;
        }
        long amount;
        try {
            amount = Long.parseLong(timeout.substring(0, timeout.length() - 1));
        } catch (NumberFormatException e) {
            return null;
        }
        TimeUnit unit = switch (timeout.charAt(timeout.length() - 1)) {
            case 'H' -> TimeUnit.HOURS;
            case 'M' -> TimeUnit.MINUTES;
            case 'S' -> TimeUnit.SECONDS;
            case 'm' -> TimeUnit.MILLISECONDS;
            case 'u' -> TimeUnit.MICROSECONDS;
            case 'n' -> TimeUnit.NANOSECONDS;
            default -> null;
        };
        return unit == null || amount < 0 ? null : Deadline.after(amount, unit);
    }
}
