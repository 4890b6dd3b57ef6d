package io.registrationsigner.testing;

import java.net.MalformedURLException;
import java.net.URL;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.arc.Arc;

/** A plain grpc-java channel to the service under test, as any internal client would open one. */
public final class GrpcChannels {

    private GrpcChannels() {
    }

    /**
     * The gRPC port of the service under test, as http://localhost:port: the @QuarkusTest's (which
     * Quarkus reports in its configuration), else the packaged service's, from its log.
     */
    public static URL serviceUrl() {
        int port = Arc.container() != null
                ? ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class)
                : LogScan.packagedServiceGrpcPort();
        try {
            return new URL("http://localhost:" + port);
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @param serviceUrl the service's gRPC port ({@link #serviceUrl()}). */
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
