package io.registrationsigner.devredis;

import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.arc.Unremovable;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.redis.client.RedisHostsProvider;
import io.smallrye.common.annotation.Identifier;

/**
 * Dev mode's Redis when {@code quarkus.redis.hosts} is not set (Quarkus then asks the provider
 * named by {@code quarkus.redis.hosts-provider-name}): a local redis-server with its data under
 * target/dev-redis, so sequences survive live reloads. Dev Services would need a container
 * engine; this needs nothing.
 */
@IfBuildProfile("dev")
@Unremovable
@Identifier("local-redis")
@ApplicationScoped
public class DevRedisHostsProvider implements RedisHostsProvider {

    private static final Logger LOG = Logger.getLogger(DevRedisHostsProvider.class);

    private LocalRedis redis;

    @Override
    public synchronized Set<URI> getHosts() {
        if (redis == null) {
            redis = LocalRedis.start(Path.of("target", "dev-redis"));
            LOG.infof("Dev mode: started a local Redis at %s (data in target/dev-redis);"
                    + " set quarkus.redis.hosts to use another one", redis.uri());
        }
        return Set.of(redis.uri());
    }

    @PreDestroy
    synchronized void stop() {
        if (redis != null) {
            redis.close();
        }
    }
}
