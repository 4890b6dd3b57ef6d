package io.registrationsigner.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.registrationsigner.sequence.RedisPipeline;
import io.registrationsigner.sequence.RedisUnavailableException;
import io.registrationsigner.sequence.SequenceConfig;
import io.smallrye.mutiny.CompositeException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * Fixed-window budgets counted in Redis, so that every replica spends the same budget. Each
 * budget is one key and one atomic script (INCR, and PEXPIRE on the first request of a window),
 * which keeps each key in one Redis Cluster slot. With no limit configured it touches nothing.
 */
@ApplicationScoped
public class RateLimiter {

    // Returns {count, milliseconds left in the window}; repairs a key that lost its expiry.
    private static final String COUNT = """
            local n = redis.call('INCR', KEYS[1])
            if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
            return {n, ttl}""";

    private final RedisPipeline redis;
    private final RateLimitConfig config;
    private final Duration timeout;
    private final boolean enabled;

    RateLimiter(RedisPipeline redis, RateLimitConfig config, SequenceConfig sequenceConfig) {
        this.redis = redis;
        this.config = config;
        this.timeout = sequenceConfig.timeout();
        this.enabled = config.perUser().limit().isPresent() || config.perCaller().limit().isPresent();
    }

    /** Spends one request of each budget; fails with {@link RateLimitedException} when one is spent. */
    public Uni<Void> spend(String callerName, String applicationKey, String userId) {
        if (!enabled) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> checks = new ArrayList<>(2);
        config.perUser().limit().ifPresent(limit -> checks.add(spend(
                config.keyPrefix() + "user:" + applicationKey + ":" + userId, limit, config.perUser().window(),
                "this user of this application")));
        config.perCaller().limit().ifPresent(limit -> checks.add(spend(
                config.keyPrefix() + "caller:" + callerName, limit, config.perCaller().window(), "this caller")));
        // Every budget is spent, even when another one already refuses: a rejected call counts too.
        return Uni.join().all(checks).andCollectFailures().replaceWithVoid()
                .onFailure(CompositeException.class).transform(RateLimiter::mostTelling);
    }

    /** A spent budget rather than a Redis failure, when both happened: it tells the caller when to retry. */
    private static Throwable mostTelling(Throwable failure) {
        List<Throwable> causes = ((CompositeException) failure).getCauses();
        return causes.stream().filter(RateLimitedException.class::isInstance).findFirst().orElse(causes.get(0));
    }

    private Uni<Void> spend(String key, int limit, Duration window, String whose) {
        return RedisUnavailableException.bounded(
                redis.send(Request.cmd(Command.EVAL).arg(COUNT).arg(1).arg(key).arg(window.toMillis())), timeout,
                "the rate limit store")
                .map(response -> {
                    long count = response.get(0).toLong();
                    Duration retryAfter = Duration.ofMillis(response.get(1).toLong());
                    if (count > limit) {
                        throw new RateLimitedException("rate limit of " + limit + " requests per "
                                + window.toSeconds() + "s for " + whose + " reached; retry in "
                                + Math.max(1, (retryAfter.toMillis() + 999) / 1000) + "s", retryAfter);
                    }
                    return null;
                });
    }
}
