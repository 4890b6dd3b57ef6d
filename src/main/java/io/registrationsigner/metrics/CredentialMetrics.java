package io.registrationsigner.metrics;

import java.time.Duration;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * {@code signer_credentials_total} and {@code signer_credential_duration_seconds} for issued
 * credentials, {@code signer_verifications_total} for checked ones. Tags: application name (never
 * a key the caller made up: unknown keys count as "none", so callers cannot grow the label set),
 * scheme ({@code legacy} or {@code jwt}) and outcome (the gRPC status code in lower case; for
 * verifications that answered, {@code valid} or {@code invalid}).
 */
@ApplicationScoped
public class CredentialMetrics {

    public static final String NO_APPLICATION = "none";

    // A dozen fixed buckets rather than Micrometer's ~70 percentile ones: cheap series per tag set,
    // enough for histogram_quantile around the 10 ms target.
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5) };

    private final MeterRegistry registry;

    CredentialMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public static final String VALID = "valid";
    public static final String INVALID = "invalid";

    public static String outcome(Status.Code code) {
        return code.name().toLowerCase(Locale.ROOT);
    }

    public void recordIssued(String application, String scheme, String outcome, long startNanos) {
        Tags tags = Tags.of("application", application, "scheme", scheme, "outcome", outcome);
        Counter.builder("signer.credentials")
                .description("Credential requests by application, scheme and outcome")
                .tags(tags)
                .register(registry)
                .increment();
        Timer.builder("signer.credential.duration")
                .description("Time to answer a credential request")
                .tags(tags)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry)
                .record(Duration.ofNanos(System.nanoTime() - startNanos));
    }

    public void recordVerified(String application, String scheme, String outcome) {
        Counter.builder("signer.verifications")
                .description("Credential verifications by application, scheme and outcome")
                .tags("application", application, "scheme", scheme, "outcome", outcome)
                .register(registry)
                .increment();
    }
}
