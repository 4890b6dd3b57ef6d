package io.registrationsigner.health;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;

/**
 * What grpc.health.v1.Health tells gRPC clients and load balancers. Quarkus marks the server
 * ("") and each service, signer.v1.RegistrationSigner included, SERVING at start-up; this turns
 * them all NOT_SERVING the moment shutdown starts, together with the HTTP readiness (Quarkus'
 * shutdown delay), so that clients that watch either one move away while calls are still answered.
 */
@ApplicationScoped
public class GrpcServingStatus {

    private final GrpcHealthStorage storage;

    GrpcServingStatus(GrpcHealthStorage storage) {
        this.storage = storage;
    }

    void shutdownDelayStarted(@Observes ShutdownDelayInitiatedEvent event) {
        notServing();
    }

    /** Without a shutdown delay: before Quarkus ends the Watch streams, so that they see it. */
    void shuttingDown(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        notServing();
    }

    private void notServing() {
        storage.getStatuses().forEach((service, status) -> {
            if (status != ServingStatus.NOT_SERVING) {
                storage.setStatus(service, ServingStatus.NOT_SERVING);
            }
        });
    }
}
