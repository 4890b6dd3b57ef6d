package io.registrationsigner.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.inject.Singleton;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.quarkus.runtime.configuration.ConfigurationException;
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
        config.passwordFile().ifPresent(file -> options.setPassword(read(file)));
    }

    private static String read(String file) {
        try {
            String password = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
            if (password.isEmpty()) {
                throw new ConfigurationException("signer.redis.password-file " + file + " is empty");
            }
            return password;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ConfigurationException configuration) {
                throw configuration;
            }
            throw new ConfigurationException("signer.redis.password-file " + file + " cannot be read ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
