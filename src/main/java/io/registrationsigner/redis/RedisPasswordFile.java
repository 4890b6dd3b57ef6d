package io.registrationsigner.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import jakarta.inject.Singleton;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.registrationsigner.configuration.ConfigurationProblems;
import io.vertx.redis.client.RedisOptions;

/** Gives the Redis client the password of {@code signer.redis.password-file}. */
@Singleton
public class RedisPasswordFile implements RedisOptionsCustomizer {

    private final RedisConfig config;

    RedisPasswordFile(RedisConfig config) {
        this.config = config;
    }

    @Override
    public void customize(String clientName, RedisOptions options) {
        config.passwordFile().ifPresent(file -> {
            ConfigurationProblems problems = new ConfigurationProblems();
            Optional<String> password = read(file, problems);
            problems.throwIfAny();
            options.setPassword(password.orElseThrow());
        });
    }

    /** Every problem of {@code signer.redis.password-file} goes to {@code problems}. */
    public static void check(RedisConfig config, ConfigurationProblems problems) {
        config.passwordFile().ifPresent(file -> read(file, problems));
    }

    private static Optional<String> read(String file, ConfigurationProblems problems) {
        String password;
        try {
            password = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            problems.add("signer.redis.password-file " + file + " cannot be read (" + e.getClass().getSimpleName() + ")",
                    DOCS);
            return Optional.empty();
        }
        if (password.isEmpty()) {
            problems.add("signer.redis.password-file " + file + " is empty", DOCS);
            return Optional.empty();
        }
        return Optional.of(password);
    }

    private static final String DOCS = "docs/redis.md#password-and-tls";
}
