package io.registrationsigner.ratelimit;

import java.time.Duration;

import jakarta.inject.Singleton;

import io.registrationsigner.redis.RedisPipeline;
import io.registrationsigner.redis.RedisUnavailableException;
import io.registrationsigner.redis.RedisConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * Fixed-window budgets counted in Redis, so that every replica spends the same budget. Each
 * budget is one key and one atomic script (INCR, and PEXPIRE on the first request of a window),
 * which keeps each key in one Redis Cluster slot. With no limit configured it touches nothing.
 * A refused call counts against the budgets it reached, so that retrying at once does not help.
 */
@Singleton
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

    RateLimiter(RedisPipeline redis, RateLimitConfig config, RedisConfig redisConfig) {
        this.redis = redis;
        this.config = config;
        this.timeout = redisConfig.timeout();
        this.enabled = config.perUser().limit().isPresent() || config.perCaller().limit().isPresent();
    }

    /**
     * Spends one request of the user's budget, then, only if that one allows it, of the caller's:
     * a user whose own budget is spent cannot spend the caller's, which the caller's other users
     * share (one gateway calls for all of them). Fails with {@link RateLimitedException}.
     */
    public Uni<Void> spend(String callerName, String applicationKey, String userId) {
        if (!enabled) {
            return Uni.createFrom().voidItem();
        }
        Uni<Void> user = config.perUser().limit().isPresent()
                ? spend(config.keyPrefix() + "user:" + applicationKey + ":" + userId, config.perUser().limit().getAsInt(),
                        config.perUser().window(), "this user of this application")
                : Uni.createFrom().voidItem();
        return config.perCaller().limit().isPresent()
                ? user.chain(() -> spend(config.keyPrefix() + "caller:" + callerName, config.perCaller().limit().getAsInt(),
                        config.perCaller().window(), "this caller"))
                : user;
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
