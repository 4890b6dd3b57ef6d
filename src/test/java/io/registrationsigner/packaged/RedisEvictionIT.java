package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;

/**
 * A Redis that may evict keys without an expiry would lose sequence keys: the service refuses it
 * without the clock floor, and says so loudly with it.
 */
class RedisEvictionIT {

    private static final Path DIR = Path.of("target", "test-resources", "eviction-" + UUID.randomUUID());

    @Test
    void anEvictingRedisStopsStartUpWithoutTheFloorAndIsAnErrorWithIt() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("allkeys-lru"), "--maxmemory-policy", "allkeys-lru")) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> ServiceProcess.startWithVector("eviction-no-floor-service",
                            Map.of("quarkus.redis.hosts", redis.uri(), "signer.sequence.floor", "none")));
            assertTrue(refused.getMessage().contains("Redis' maxmemory-policy is allkeys-lru: it may evict sequence keys"),
                    refused.getMessage());

            try (ServiceProcess floored = ServiceProcess.startWithVector("eviction-floor-service",
                    Map.of("quarkus.redis.hosts", redis.uri(), "signer.sequence.floor", "epoch-millis"))) {
                assertTrue(Files.readString(floored.log()).lines().anyMatch(line -> line.contains("ERROR")
                        && line.contains("Redis' maxmemory-policy is allkeys-lru")), "no error logged");
            }
        }
    }

    @Test
    void aRedisThatEvictsOnlyKeysWithAnExpiryIsFine() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("volatile-lru"), "--maxmemory-policy", "volatile-lru");
                ServiceProcess service = ServiceProcess.startWithVector("eviction-volatile-service",
                        Map.of("quarkus.redis.hosts", redis.uri(), "signer.sequence.floor", "none"))) {
            assertTrue(Files.readString(service.log()).lines().noneMatch(line -> line.contains("maxmemory-policy")));
        }
    }
}
