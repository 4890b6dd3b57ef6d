package io.registrationsigner.metrics;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;

/**
 * How long the event loops keep a task waiting, from the watchdog of the health checks
 * ({@code health.Responsiveness}), which hands each event loop a task every second:
 * {@code signer_event_loop_delay_seconds}, the wait of each task once it ran (its {@code _max} the
 * longest of the last minutes, so that a stall between two scrapes shows), and
 * {@code signer_event_loop_stall_seconds}, the longest wait of a task not run yet when Prometheus
 * scrapes, which keeps growing while an event loop is stuck (its task is never timed then).
 */
@Singleton
public class EventLoopMetrics {

    private static final Duration[] DELAY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10) };

    private final MeterRegistry registry;
    private final Timer delay;
    private final TimeGauge stall;
    private volatile Supplier<Duration> longestStall = () -> Duration.ZERO;

    EventLoopMetrics(MeterRegistry registry) {
        this.registry = registry;
        delay = Timer.builder("signer.event.loop.delay")
                .description("How long an event loop kept the watchdog's task waiting, for each task it ran")
                .serviceLevelObjectives(DELAY_BUCKETS)
                .register(registry);
        stall = TimeGauge.builder("signer.event.loop.stall", this, TimeUnit.NANOSECONDS, metrics -> metrics.longestStall.get().toNanos())
                .description("The longest that an event loop has kept the watchdog's task waiting so far, not run yet")
                .register(registry);
    }

    /**
     * Removed with the application: a registry that outlives it (dev mode's live reload, the
     * tests' restarts) would otherwise keep reading this instance instead of the next one's.
     */
    @PreDestroy
    void remove() {
        registry.remove(delay);
        registry.remove(stall);
    }

    /** The wait of a task the watchdog handed an event loop, now that the loop has run it. */
    public void recordDelay(long nanos) {
        delay.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Where the gauge reads the longest wait of the tasks not run yet. */
    public void readStallsFrom(Supplier<Duration> longestStall) {
        this.longestStall = longestStall;
    }
}
