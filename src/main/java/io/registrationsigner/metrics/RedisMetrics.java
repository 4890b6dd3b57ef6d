package io.registrationsigner.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@code signer_redis_command_seconds} (tags: command, outcome {@code ok}, {@code failed} or
 * {@code abandoned} when the call stopped waiting for it) for every command the service sends to
 * Redis, and {@code signer_redis_pipeline_batch} for how many commands leave in one write.
 * The command names are the service's own few (INCR, EVAL, PING, ...), never a caller's input.
 */
@Singleton
public class RedisMetrics {

    public static final String OK = "ok";
    public static final String FAILED = "failed";
    public static final String ABANDONED = "abandoned";

    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2) };

    private final MeterRegistry registry;
    private final Map<List<String>, Timer> commands = new ConcurrentHashMap<>();
    private final DistributionSummary batches;

    public RedisMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batches = DistributionSummary.builder("signer.redis.pipeline.batch")
                .description("Commands written to Redis in one pipelined batch")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256)
                .register(registry);
    }

    /** @param command the command's name, upper case (INCR) */
    public void recordCommand(String command, String outcome, long nanos) {
        commands.computeIfAbsent(List.of(command, outcome), key -> Timer.builder("signer.redis.command")
                .description("Redis commands sent by the service, by command and outcome")
                .tags("command", command, "outcome", outcome)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    public void recordBatch(int commands) {
        batches.record(commands);
    }
}
