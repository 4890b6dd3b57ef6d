package io.registrationsigner.sequence;

import java.time.Duration;

import jakarta.inject.Singleton;

import io.quarkus.runtime.Startup;
import io.registrationsigner.configuration.ConfigurationProblems;
import io.registrationsigner.redis.RedisConfig;
import io.registrationsigner.redis.RedisPipeline;
import io.registrationsigner.redis.RedisUnavailableException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Per-(application, user) registration sequences in Redis, one key each, which expires
 * {@code signer.sequence.ttl} after its last use (with the clock floor only). {@code INCR} is
 * atomic on the Redis side, so any number of replicas share one counter and nothing in this
 * process decides a value.
 * Each call is one round trip on one key, so it works the same on a standalone Redis, behind
 * Sentinel and on a Cluster.
 */
@Startup
@Singleton
public class SequenceStore {

    /**
     * INCR, raised to the Redis server's clock in milliseconds when below it, and the key's expiry
     * (ARGV[1], in ms) renewed. One script, so no other call sees the key between the steps; TIME
     * is allowed because Redis replicates a script's effects (the INCR, the SET, the PEXPIRE), not
     * the script.
     */
    static final String INCR_WITH_EPOCH_MILLIS_FLOOR = """
            local n = redis.call('INCR', KEYS[1])
            local now = redis.call('TIME')
            local floor = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
            if n < floor then
                n = floor
                redis.call('SET', KEYS[1], string.format('%.0f', n), 'PX', ARGV[1])
            else
                redis.call('PEXPIRE', KEYS[1], ARGV[1])
            end
            return n""";

    private final RedisPipeline redis;
    private final SequenceConfig config;
    private final Duration timeout;
    private final String ttlMillis;

    SequenceStore(RedisPipeline redis, SequenceConfig config, RedisConfig redisConfig) {
        this.redis = redis;
        this.config = config;
        this.timeout = redisConfig.timeout();
        this.ttlMillis = Long.toString(ttl(config).toMillis());
    }

    /**
     * The expiry of sequence keys: safe only with the clock floor, under which an expired key's
     * next value is still above every one handed out before.
     */
    static Duration ttl(SequenceConfig config) {
        ConfigurationProblems problems = new ConfigurationProblems();
        Duration ttl = ttl(config, problems);
        problems.throwIfAny();
        return ttl;
    }

    /** The expiry of sequence keys; what is wrong with its configuration goes to {@code problems}. */
    public static Duration ttl(SequenceConfig config, ConfigurationProblems problems) {
        if (config.floor() == SequenceConfig.Floor.NONE) {
            if (config.ttl().isPresent()) {
                problems.add("signer.sequence.ttl needs signer.sequence.floor=epoch-millis: with"
                        + " floor none an expired key would start again at 1, below sequences handed out before", DOCS);
            }
            return Duration.ZERO;
        }
        Duration ttl = config.ttl().orElse(SequenceConfig.DEFAULT_TTL);
        if (ttl.toMillis() < 1) {
            problems.add("signer.sequence.ttl must be at least 1ms; it is " + ttl, DOCS);
        }
        return ttl;
    }

    private static final String DOCS = "docs/redis.md#key-expiry";

    /** The next sequence of the pair. Fails with {@link RedisUnavailableException}. */
    public Uni<Long> next(String applicationKey, String userId) {
        String key = key(applicationKey, userId);
        Request request = switch (config.floor()) {
            case NONE -> Request.cmd(Command.INCR).arg(key);
            case EPOCH_MILLIS -> Request.cmd(Command.EVAL).arg(INCR_WITH_EPOCH_MILLIS_FLOOR).arg(1).arg(key).arg(ttlMillis);
        };
        Uni<Long> next = redis.send(request).map(Response::toLong);
        return RedisUnavailableException.bounded(next, timeout, "the sequence store");
    }

    String key(String applicationKey, String userId) {
        // Neither part can contain ':' (both are validated), so keys never collide.
        return config.keyPrefix() + applicationKey + ":" + userId;
    }
}
