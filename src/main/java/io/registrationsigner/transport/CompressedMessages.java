package io.registrationsigner.transport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GlobalInterceptor;
import io.registrationsigner.grpc.status.GrpcErrors;

/**
 * Refuses compressed gRPC messages before anything reads them. A request of this service is a few
 * hundred bytes, so compression buys nothing, and inflating costs CPU and memory before
 * authentication. The call ends before its message is asked for, so the message is never read
 * nor inflated: UNIMPLEMENTED with {@code grpc-accept-encoding: identity}, as the gRPC protocol
 * prescribes for an encoding a server does not accept. (grpc-java would also stop inflating at
 * {@code quarkus.grpc.server.max-inbound-message-size}, which bounds uncompressed messages.)
 */
@GlobalInterceptor
@ApplicationScoped
public class CompressedMessages implements ServerInterceptor, Prioritized {

    static final Metadata.Key<String> GRPC_ENCODING = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> GRPC_ACCEPT_ENCODING = Metadata.Key.of("grpc-accept-encoding",
            Metadata.ASCII_STRING_MARSHALLER);
    static final String IDENTITY = "identity";
    /** Before every other interceptor, authentication included (the highest priority runs first). */
    private static final int PRIORITY = 10_000;

    private final Counter refused;
    // The answer is the same for every such request: built once, not per hostile request.
    private final StatusRuntimeException refusal = withAcceptEncoding(GrpcErrors.compressedMessage());

    CompressedMessages(MeterRegistry registry) {
        this.refused = Counter.builder("signer.requests.refused")
                .description("Requests refused before they reached a service, by reason")
                .tag("reason", "compressed")
                .register(registry);
    }

    /** The refusal, telling which encoding the service takes, as the gRPC protocol prescribes. */
    private static StatusRuntimeException withAcceptEncoding(StatusRuntimeException refusal) {
        Metadata trailers = new Metadata();
        trailers.merge(refusal.getTrailers());
        trailers.put(GRPC_ACCEPT_ENCODING, IDENTITY);
        return new StatusRuntimeException(refusal.getStatus(), trailers);
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String encoding = headers.get(GRPC_ENCODING);
        if (encoding == null || IDENTITY.equals(encoding)) {
            return next.startCall(call, headers);
        }
        refused.increment();
        return GrpcErrors.refuse(call, refusal);
    }
}
