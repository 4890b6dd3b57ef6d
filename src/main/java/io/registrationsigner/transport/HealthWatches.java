package io.registrationsigner.transport;

import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
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
 * Bounds the open grpc.health.v1.Health/Watch streams, which need no credential and last as long
 * as the client likes: {@code signer.server.limits.max-health-watches-per-connection} on one
 * connection (a client's load balancer watches one or two services per connection), and {@code
 * max-health-watches} on the port. Beyond them, RESOURCE_EXHAUSTED at once.
 */
@GlobalInterceptor
@ApplicationScoped
public class HealthWatches implements ServerInterceptor, Prioritized {

    static final String WATCH = "grpc.health.v1.Health/Watch";
    /** After MalformedTimeouts and CompressedMessages, before authentication (which health skips anyway). */
    private static final int PRIORITY = 5_000;

    private final ServerLimitsConfig limits;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<SocketAddress, AtomicInteger> byConnection = new ConcurrentHashMap<>();
    private final StatusRuntimeException perConnection;
    private final StatusRuntimeException total;

    HealthWatches(ServerLimitsConfig limits) {
        this.limits = limits;
        this.perConnection = GrpcErrors.toStatus(new Failure(ErrorReason.TOO_MANY_WATCHES, "this connection has its "
                + limits.maxHealthWatchesPerConnection() + " health watches open (signer.server.limits.max-health-watches-per-connection)"));
        this.total = GrpcErrors.toStatus(new Failure(ErrorReason.TOO_MANY_WATCHES, "the service has its "
                + limits.maxHealthWatches() + " health watches open (signer.server.limits.max-health-watches); use Check"));
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!WATCH.equals(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        // A connection is its peer's address and port.
        SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        AtomicInteger onConnection = byConnection.computeIfAbsent(peer, address -> new AtomicInteger());
        StatusRuntimeException refusal = null;
        if (onConnection.incrementAndGet() > limits.maxHealthWatchesPerConnection()) {
            refusal = perConnection;
        } else if (open.incrementAndGet() > limits.maxHealthWatches()) {
            open.decrementAndGet();
            refusal = total;
        }
        if (refusal != null) {
            release(peer, onConnection);
            return GrpcErrors.refuse(call, refusal);
        }
        AtomicBoolean ended = new AtomicBoolean();
        Runnable end = () -> {
            if (ended.compareAndSet(false, true)) {
                open.decrementAndGet();
                release(peer, onConnection);
            }
        };
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onComplete() {
                end.run();
                super.onComplete();
            }

            @Override
            public void onCancel() {
                end.run();
                super.onCancel();
            }
        };
    }

    private void release(SocketAddress peer, AtomicInteger onConnection) {
        if (onConnection.decrementAndGet() == 0) {
            byConnection.remove(peer, onConnection);
        }
    }
}
