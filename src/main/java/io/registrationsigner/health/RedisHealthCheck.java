package io.registrationsigner.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.health.api.HealthGroup;
import io.smallrye.mutiny.Uni;

/**
 * The Redis connection, on its own: GET /q/health/group/redis on the management port. Not part
 * of readiness or liveness (see {@link RedisReachability}).
 */
@HealthGroup(RedisHealthCheck.GROUP)
@ApplicationScoped
public class RedisHealthCheck implements AsyncHealthCheck {

    public static final String GROUP = "redis";

    private final RedisReachability reachability;

    RedisHealthCheck(RedisReachability reachability) {
        this.reachability = reachability;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return reachability.probe().map(up -> HealthCheckResponse.named("Redis").status(up).build());
    }
}
