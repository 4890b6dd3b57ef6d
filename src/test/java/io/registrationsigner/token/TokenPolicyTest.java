package io.registrationsigner.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.ConfigurationException;

class TokenPolicyTest {

    record Config(Duration defaultTtl, Duration minTtl, Duration maxTtl, Duration minInstanceTtl,
            Duration maxInstanceTtl) implements TokenConfig {
    }

    private static final Config DEFAULTS = new Config(Duration.ofMinutes(10), Duration.ofSeconds(60), Duration.ofHours(24),
            Duration.ofHours(48), Duration.ofDays(365));

    @Test
    void boundsAreInclusiveAndStated() {
        TokenPolicy policy = new TokenPolicy(DEFAULTS);
        assertEquals(Optional.empty(), policy.tokenTtlProblem(Duration.ofSeconds(60)));
        assertEquals(Optional.empty(), policy.tokenTtlProblem(Duration.ofHours(24)));
        assertEquals(Optional.of("token_ttl must be between 60s and 86400s; it is 59s"),
                policy.tokenTtlProblem(Duration.ofSeconds(59)));
        assertEquals(Optional.empty(), policy.instanceTtlProblem(Duration.ofHours(48)));
        assertEquals(Optional.of("instance_ttl must be between 172800s and 31536000s; it is 172799s"),
                policy.instanceTtlProblem(Duration.ofHours(48).minusSeconds(1)));
    }

    @Test
    void noConfigurationMayGoBelowSinchsMinimums() {
        ConfigurationException ttl = assertThrows(ConfigurationException.class, () -> new TokenPolicy(
                new Config(Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofHours(48),
                        Duration.ofDays(1))));
        assertTrue(ttl.getMessage().contains("signer.token.min-ttl must be at least 60s"));
        ConfigurationException instance = assertThrows(ConfigurationException.class, () -> new TokenPolicy(
                new Config(Duration.ofMinutes(10), Duration.ofSeconds(60), Duration.ofHours(1), Duration.ofHours(47),
                        Duration.ofDays(1))));
        assertTrue(instance.getMessage().contains("signer.token.min-instance-ttl must be at least 48h"));
    }

    @Test
    void theDefaultMustLieWithinTheBounds() {
        assertThrows(ConfigurationException.class, () -> new TokenPolicy(new Config(Duration.ofHours(2),
                Duration.ofSeconds(60), Duration.ofHours(1), Duration.ofHours(48), Duration.ofDays(1))));
    }
}
