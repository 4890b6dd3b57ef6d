package io.registrationsigner.token;

import java.time.Duration;
import java.util.Optional;

import jakarta.inject.Singleton;

import io.quarkus.runtime.Startup;
import io.registrationsigner.configuration.ConfigurationProblems;

/**
 * The token lifetimes requests may ask for. Checked at start-up: Sinch wants a token to live at
 * least 60 s and an SDK instance at least 48 h, so no configuration may allow less.
 */
@Startup
@Singleton
public class TokenPolicy {

    static final Duration SINCH_MIN_TTL = Duration.ofSeconds(60);
    static final Duration SINCH_MIN_INSTANCE_TTL = Duration.ofHours(48);

    private final TokenConfig config;

    TokenPolicy(TokenConfig config) {
        this.config = validated(config);
    }

    public Duration defaultTtl() {
        return config.defaultTtl();
    }

    /** @return why a requested token lifetime is not allowed, or empty when it is. */
    public Optional<String> tokenTtlProblem(Duration ttl) {
        return outside("token_ttl", ttl, config.minTtl(), config.maxTtl());
    }

    /** @return why a requested instance lifetime is not allowed, or empty when it is. */
    public Optional<String> instanceTtlProblem(Duration ttl) {
        return outside("instance_ttl", ttl, config.minInstanceTtl(), config.maxInstanceTtl());
    }

    private static Optional<String> outside(String field, Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            return Optional.of(field + " must be between " + min.toSeconds() + "s and " + max.toSeconds()
                    + "s; it is " + value.toSeconds() + "s");
        }
        return Optional.empty();
    }

    static TokenConfig validated(TokenConfig config) {
        ConfigurationProblems problems = new ConfigurationProblems();
        check(config, problems);
        problems.throwIfAny();
        return config;
    }

    /** Every problem of the token lifetimes' configuration goes to {@code problems}. */
    public static void check(TokenConfig config, ConfigurationProblems problems) {
        require(config.minTtl().compareTo(SINCH_MIN_TTL) >= 0, "signer.token.min-ttl must be at least 60s", problems);
        require(config.minInstanceTtl().compareTo(SINCH_MIN_INSTANCE_TTL) >= 0,
                "signer.token.min-instance-ttl must be at least 48h", problems);
        require(config.minTtl().compareTo(config.maxTtl()) <= 0, "signer.token.min-ttl must not exceed signer.token.max-ttl",
                problems);
        require(config.minInstanceTtl().compareTo(config.maxInstanceTtl()) <= 0,
                "signer.token.min-instance-ttl must not exceed signer.token.max-instance-ttl", problems);
        require(config.defaultTtl().compareTo(config.minTtl()) >= 0 && config.defaultTtl().compareTo(config.maxTtl()) <= 0,
                "signer.token.default-ttl must be between signer.token.min-ttl and signer.token.max-ttl", problems);
    }

    private static void require(boolean condition, String message, ConfigurationProblems problems) {
        if (!condition) {
            problems.add(message, "docs/configuration.md#all-properties");
        }
    }
}
