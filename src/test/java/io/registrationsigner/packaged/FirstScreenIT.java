package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;

/**
 * What an operator sees on the console of a normal start and stop of the packaged service: one
 * banner; the gRPC port and the management interface, each named once and accurately; no empty
 * trace fields (tracing is off by default); no warning, and nothing about the service's own
 * internals.
 */
class FirstScreenIT {

    /** The first line of Quarkus' banner. */
    private static final String BANNER = "__  ____  __  _____   ___  __ ____  ______";

    @TempDir
    Path dir;

    @Test
    void aNormalStartSaysWhatAnOperatorNeedsAndNothingElse() throws Exception {
        String console;
        try (RedisProcess redis = RedisProcess.server(dir.resolve("redis"))) {
            Map<String, String> config = new HashMap<>();
            config.put("quarkus.redis.hosts", redis.uri());
            // The production default.
            config.put("signer.sequence.floor", "epoch-millis");
            try (ServiceProcess service = ServiceProcess.startWithVector("first-screen-service", config)) {
                service.close();
                console = Files.readString(service.log());
            }
        }
        List<String> lines = console.lines().toList();

        assertEquals(1, lines.stream().filter(line -> line.startsWith(BANNER)).count(), console);
        assertTrue(lines.stream().anyMatch(line -> line.contains("Started gRPC server on 0.0.0.0:")), console);
        List<String> started = lines.stream().filter(line -> line.contains(") started in ")).toList();
        assertEquals(1, started.size(), console);
        assertTrue(started.get(0).contains("s. Management interface listening on http://0.0.0.0:"), console);
        assertFalse(console.contains("Listening on: ."), console);
        assertFalse(console.contains("traceId") || console.contains("spanId"), "an empty trace field:\n" + console);
        assertEquals(List.of(), lines.stream().filter(line -> line.contains(" WARN ")).toList(), console);
        assertEquals(List.of(), lines.stream().filter(line -> line.contains("[io.quarkus.grpc.spi")).toList(), console);
        assertTrue(lines.stream().anyMatch(line -> line.contains(" stopped in ")), console);
    }
}
