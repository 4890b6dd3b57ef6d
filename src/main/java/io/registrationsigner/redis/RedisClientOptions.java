package io.registrationsigner.redis;

import jakarta.inject.Singleton;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.vertx.redis.client.RedisOptions;

/**
 * The options Quarkus made its Redis client with (hosts, topology, TLS, password), so that
 * {@link RedisPipeline} can make one client of the same kind on each event loop.
 */
@Singleton
public class RedisClientOptions implements RedisOptionsCustomizer {

    private volatile RedisOptions options;

    @Override
    public void customize(String clientName, RedisOptions options) {
        if (io.quarkus.redis.runtime.client.config.RedisConfig.isDefaultClient(clientName)) {
            // Kept, not copied: customizers that run after this one complete it.
            this.options = options;
        }
    }

    /** A copy of the default client's options, once Quarkus has made the client. */
    RedisOptions copy() {
        RedisOptions made = options;
        if (made == null) {
            throw new IllegalStateException("the Redis client is not made yet");
        }
        return new RedisOptions(made);
    }
}
