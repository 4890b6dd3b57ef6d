package io.registrationsigner.redis;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** How the service authenticates to Redis, beside Quarkus' own {@code quarkus.redis.*}. */
@ConfigMapping(prefix = "signer.redis")
public interface RedisConfig {

    /**
     * A file that holds the Redis password, such as a key of a mounted Kubernetes Secret; read
     * when the client is created. Instead of {@code quarkus.redis.password}, never in the hosts.
     */
    Optional<String> passwordFile();
}
