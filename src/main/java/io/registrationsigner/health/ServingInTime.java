package io.registrationsigner.health;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness and liveness from {@link Responsiveness}. Readiness goes DOWN first, after a short
 * stall (2 s) or half the time in GC, so that load balancers move away; liveness after a stall of
 * 10 s or 90 % in GC, so that Kubernetes (3 failed probes, 10 s apart) restarts a pod that no
 * longer recovers by itself.
 */
public final class ServingInTime {

    static final String NAME = "gRPC served in time";

    private ServingInTime() {
    }

    static HealthCheckResponse judge(Responsiveness responsiveness, Duration maxStall, double maxGcShare) {
        return responsiveness.problem(maxStall, maxGcShare)
                .map(problem -> HealthCheckResponse.named(NAME).down().withData("problem", problem).build())
                .orElseGet(() -> HealthCheckResponse.named(NAME).up().build());
    }

    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {

        static final Duration MAX_STALL = Duration.ofSeconds(2);
        static final double MAX_GC_SHARE = 0.5;

        private final Responsiveness responsiveness;

        Ready(Responsiveness responsiveness) {
            this.responsiveness = responsiveness;
        }

        @Override
        public HealthCheckResponse call() {
            return judge(responsiveness, MAX_STALL, MAX_GC_SHARE);
        }
    }

    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {

        static final Duration MAX_STALL = Duration.ofSeconds(10);
        static final double MAX_GC_SHARE = 0.9;

        private final Responsiveness responsiveness;

        Live(Responsiveness responsiveness) {
            this.responsiveness = responsiveness;
        }

        @Override
        public HealthCheckResponse call() {
            return judge(responsiveness, MAX_STALL, MAX_GC_SHARE);
        }
    }
}
