package io.registrationsigner.redis;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the service uses Redis, beside Quarkus' own {@code quarkus.redis.*}. */
@ConfigMapping(prefix = "signer.redis")
public interface RedisConfig {

    /** How long a call waits for a Redis command (sequence, rate limit) before it fails with UNAVAILABLE. */
    @WithDefault("2s")
    Duration timeout();

    /**
     * Long-lived Redis connections of each event loop that sends commands, which carry them
     * pipelined (see RedisPipeline). Each holds at most quarkus.redis.max-waiting-handlers
     * unanswered commands.
     */
    @WithDefault("1")
    int connections();

    /** How often the service PINGs Redis for signer_redis_up and the redis health group. */
    @WithDefault("5s")
    Duration probeInterval();

    /**
     * A file that holds the Redis password, such as a key of a mounted Kubernetes Secret; read
     * when the client is created. Instead of {@code quarkus.redis.password}, never in the hosts.
     */
    Optional<String> passwordFile();
}
