package io.registrationsigner.sequence;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.mutiny.Uni;

/**
 * Per-(application, user) registration sequences in Redis. {@code INCR} is atomic on the Redis
 * side, so any number of replicas share one counter and nothing in this process decides a value.
 */
@ApplicationScoped
public class SequenceStore {

    private final ReactiveValueCommands<String, Long> counters;
    private final SequenceConfig config;

    SequenceStore(ReactiveRedisDataSource redis, SequenceConfig config) {
        this.counters = redis.value(Long.class);
        this.config = config;
    }

    /** The next sequence of the pair: 1 for a new pair. Fails with {@link RedisUnavailableException}. */
    public Uni<Long> next(String applicationKey, String userId) {
        return RedisUnavailableException.bounded(counters.incr(key(applicationKey, userId)), config.timeout(),
                "the sequence store");
    }

    String key(String applicationKey, String userId) {
        // Neither part can contain ':' (both are validated), so keys never collide.
        return config.keyPrefix() + applicationKey + ":" + userId;
    }
}
