package io.registrationsigner.health;

import java.time.Duration;

import jakarta.inject.Singleton;

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

    /** A bean of one kind of check, with its bounds. */
    abstract static class Bounded implements HealthCheck {

        private final Responsiveness responsiveness;
        private final Duration maxStall;
        private final double maxGcShare;

        Bounded(Responsiveness responsiveness, Duration maxStall, double maxGcShare) {
            this.responsiveness = responsiveness;
            this.maxStall = maxStall;
            this.maxGcShare = maxGcShare;
        }

        @Override
        public HealthCheckResponse call() {
            return responsiveness.problem(maxStall, maxGcShare)
                    .map(problem -> HealthCheckResponse.named(NAME).down().withData("problem", problem).build())
                    .orElseGet(() -> HealthCheckResponse.named(NAME).up().build());
        }
    }

    @Readiness
    @Singleton
    public static class Ready extends Bounded {

        Ready(Responsiveness responsiveness) {
            super(responsiveness, Duration.ofSeconds(2), 0.5);
        }
    }

    @Liveness
    @Singleton
    public static class Live extends Bounded {

        Live(Responsiveness responsiveness) {
            super(responsiveness, Duration.ofSeconds(10), 0.9);
        }
    }
}
