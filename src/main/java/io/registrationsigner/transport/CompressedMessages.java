package io.registrationsigner.transport;

import java.util.Base64;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.micrometer.core.instrument.Counter;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.registrationsigner.grpc.status.GrpcErrors;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses compressed gRPC messages before anything reads them. The gRPC server inflates a message
 * whole, before any interceptor runs and with no bound on the inflated size, so 100 KB of gzip
 * can become 100 MB of heap before authentication. Every request of this service is a few hundred
 * bytes, so compression buys nothing: such a call ends at once with UNIMPLEMENTED and
 * {@code grpc-accept-encoding: identity}, as the gRPC protocol prescribes for an encoding a server
 * does not accept. Uncompressed messages are bounded by {@code quarkus.grpc.server.max-inbound-message-size}.
 */
@ApplicationScoped
public class CompressedMessages {

    static final String GRPC_ENCODING = "grpc-encoding";
    static final String IDENTITY = "identity";
    private static final Metadata.Key<byte[]> DETAILS = Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);
    /** Ahead of every other route (ResponseFlushes is -2). */
    private static final int ROUTE_ORDER = -3;

    private final Counter refused;
    // The answer is the same for every such request: built once, not per hostile request.
    private final StatusRuntimeException refusal = GrpcErrors.compressedMessage();
    private final String refusalDetails = Base64.getEncoder().withoutPadding()
            .encodeToString(refusal.getTrailers().get(DETAILS));

    CompressedMessages(MeterRegistry registry) {
        this.refused = Counter.builder("signer.requests.refused")
                .description("Requests refused before they reached a service, by reason")
                .tag("reason", "compressed")
                .register(registry);
    }

    void routeCalls(@Observes Router router) {
        router.route().order(ROUTE_ORDER).handler(this::callArrived);
    }

    private void callArrived(RoutingContext context) {
        HttpServerRequest request = context.request();
        String encoding = request.getHeader(GRPC_ENCODING);
        if (encoding == null || IDENTITY.equals(encoding)) {
            context.next();
            return;
        }
        refused.increment();
        // Trailers-only answer; the unread body is then dropped with the stream. The message needs no percent-encoding.
        context.response().putHeader("content-type", "application/grpc")
                .putHeader("grpc-status", Integer.toString(refusal.getStatus().getCode().value()))
                .putHeader("grpc-message", refusal.getStatus().getDescription())
                .putHeader(DETAILS.name(), refusalDetails)
                .putHeader("grpc-accept-encoding", IDENTITY)
                .end();
    }
}
