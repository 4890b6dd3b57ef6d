package io.registrationsigner.testing;

import java.net.URL;
import java.util.List;
import java.util.Map;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/** A plain grpc-java channel to the service under test, as any internal client would open one. */
public final class GrpcChannels {

    private GrpcChannels() {
    }

    /** @param serviceUrl the service's HTTP URL (@TestHTTPResource): gRPC shares its port. */
    public static ManagedChannel open(URL serviceUrl) {
        return ManagedChannelBuilder.forAddress(serviceUrl.getHost(), serviceUrl.getPort()).usePlaintext().build();
    }

    /**
     * A channel that retries UNAVAILABLE, as docs/clients.md advises callers: the service answers
     * UNAVAILABLE when Redis does not answer in time, and a retried call gets a new sequence.
     */
    public static ManagedChannel openRetrying(URL serviceUrl) {
        Map<String, Object> retryPolicy = Map.of(
                "maxAttempts", 5.0,
                "initialBackoff", "0.1s",
                "maxBackoff", "1s",
                "backoffMultiplier", 2.0,
                "retryableStatusCodes", List.of("UNAVAILABLE"));
        Map<String, Object> serviceConfig = Map.of("methodConfig", List.of(Map.of(
                "name", List.of(Map.of("service", "signer.v1.RegistrationSigner")),
                "retryPolicy", retryPolicy)));
        return ManagedChannelBuilder.forAddress(serviceUrl.getHost(), serviceUrl.getPort()).usePlaintext()
                .defaultServiceConfig(serviceConfig).enableRetry().build();
    }
}
