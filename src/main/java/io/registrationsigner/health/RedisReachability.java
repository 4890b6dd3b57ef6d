package io.registrationsigner.health;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.registrationsigner.redis.RedisConfig;
import io.registrationsigner.redis.RedisPipeline;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * Whether Redis answers: a PING through the service's own pipeline every
 * {@code signer.redis.probe-interval}, bounded by {@code signer.redis.timeout}, kept in the gauge
 * {@code signer_redis_up} for alerts. Redis is every replica's shared dependency, so it stays out
 * of readiness: a Redis outage must not leave the gateway with no endpoint, when tokens and
 * verification still work and SignRegistration answers UNAVAILABLE with a RetryInfo at once.
 */
@ApplicationScoped
public class RedisReachability {

    private final RedisPipeline redis;
    private final Vertx vertx;
    private final Duration timeout;
    private final Duration interval;
    private final MeterRegistry registry;
    private final Gauge gauge;
    private volatile boolean up;
    private volatile long timer = -1;

    RedisReachability(RedisPipeline redis, Vertx vertx, RedisConfig config, MeterRegistry registry) {
        this.redis = redis;
        this.vertx = vertx;
        this.timeout = config.timeout();
        this.interval = config.probeInterval();
        this.registry = registry;
        this.gauge = Gauge.builder("signer.redis.up", this, reachability -> reachability.up ? 1 : 0)
                .description("1 when Redis answered the last PING within signer.redis.timeout, else 0")
                .register(registry);
    }

    void started(@Observes StartupEvent event) {
        probeInBackground();
        timer = vertx.setPeriodic(interval.toMillis(), id -> probeInBackground());
    }

    private void probeInBackground() {
        probe().subscribe().with(answered -> {
        });
    }

    void stopped(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        // Micrometer's global registry outlives the application in dev mode and tests: a gauge
        // left there would go on reading this instance after a restart.
        registry.remove(gauge);
    }

    /** PINGs Redis now: true when it answered in time. Never fails. */
    public Uni<Boolean> probe() {
        return redis.send(Request.cmd(Command.PING))
                .ifNoItem().after(timeout).fail()
                .map(pong -> true)
                .onFailure().recoverWithItem(false)
                .invoke(answered -> up = answered);
    }
}
