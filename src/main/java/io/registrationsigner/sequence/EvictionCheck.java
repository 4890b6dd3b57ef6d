package io.registrationsigner.sequence;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.registrationsigner.redis.RedisConfig;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * At start-up, asks Redis whether it may evict sequence keys: any key under {@code allkeys-*},
 * and under {@code volatile-*} the keys with an expiry, which sequence keys have with the clock
 * floor. An evicted key starts again: without the floor below values handed out before, which
 * stops start-up; with it at the clock, which is logged as an error. A Redis that cannot be asked
 * (down, or CONFIG disabled, as on some managed services) is logged and does not stop start-up.
 */
@ApplicationScoped
public class EvictionCheck {

    private static final Logger LOG = Logger.getLogger(EvictionCheck.class);
    static final String POLICY = "maxmemory-policy";

    private final Redis redis;
    private final SequenceConfig config;
    private final RedisConfig redisConfig;

    EvictionCheck(Redis redis, SequenceConfig config, RedisConfig redisConfig) {
        this.redis = redis;
        this.config = config;
        this.redisConfig = redisConfig;
    }

    void check(@Observes StartupEvent started) {
        Optional<String> policy;
        try {
            policy = policy(redis.send(Request.cmd(Command.CONFIG).arg("GET").arg(POLICY))
                    .await().atMost(redisConfig.timeout()));
        } catch (RuntimeException e) {
            LOG.warnf("Could not read Redis' %s (%s): make sure it is noeviction",
                    POLICY, e.getClass().getSimpleName());
            return;
        }
        boolean keysExpire = config.floor() == SequenceConfig.Floor.EPOCH_MILLIS;
        if (policy.isEmpty() || !(policy.get().startsWith("allkeys-") || keysExpire && policy.get().startsWith("volatile-"))) {
            return;
        }
        String problem = "Redis' " + POLICY + " is " + policy.get() + ": it may evict sequence keys, and a user's next"
                + " sequence would then start again";
        if (!keysExpire) {
            throw new ConfigurationException(problem + " at 1, below values handed out before. Set " + POLICY
                    + " noeviction (or volatile-*) in Redis, or signer.sequence.floor=epoch-millis");
        }
        LOG.errorf("%s at the clock floor. Set %s noeviction in Redis, with the memory of signer.sequence.ttl's users.",
                problem, POLICY);
    }

    /** CONFIG GET answers a map (RESP3) or a flat list of name and value (RESP2). */
    static Optional<String> policy(Response response) {
        if (response == null) {
            return Optional.empty();
        }
        try {
            if (response.containsKey(POLICY)) {
                return Optional.of(response.get(POLICY).toString());
            }
        } catch (UnsupportedOperationException notAMap) {
            // RESP2: read as a list below
        }
        return response.size() >= 2 ? Optional.of(response.get(1).toString()) : Optional.empty();
    }
}
