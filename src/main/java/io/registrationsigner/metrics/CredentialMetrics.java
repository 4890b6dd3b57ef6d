package io.registrationsigner.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import io.registrationsigner.credential.CredentialEvent;
import io.registrationsigner.credential.Scheme;
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
@Singleton
public class CredentialMetrics {

    public static final String NO_APPLICATION = "none";

    // A dozen fixed buckets rather than Micrometer's ~70 percentile ones: cheap series per tag set,
    // enough for histogram_quantile around the 10 ms target.
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5) };

    public static final String VALID = "valid";
    public static final String INVALID = "invalid";

    private record Issued(Counter count, Timer duration) {
    }

    private final MeterRegistry registry;
    // Looked up once per tag set, not built and registered again on every call.
    private final Map<List<String>, Issued> issued = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> verified = new ConcurrentHashMap<>();

    CredentialMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void recordIssued(CredentialEvent event) {
        Issued meters = issued.computeIfAbsent(List.of(event.application(), event.scheme().tag(), event.outcome().tag()), key -> {
            Tags tags = tags(key);
            return new Issued(
                    Counter.builder("signer.credentials")
                            .description("Credential requests by application, scheme and outcome")
                            .tags(tags)
                            .register(registry),
                    Timer.builder("signer.credential.duration")
                            .description("Time to answer a credential request")
                            .tags(tags)
                            .serviceLevelObjectives(LATENCY_BUCKETS)
                            .register(registry));
        });
        meters.count().increment();
        meters.duration().record(event.elapsed());
    }

    /** @param result {@link #VALID}, {@link #INVALID}, or the outcome of a verification that could not answer */
    public void recordVerified(String application, Scheme scheme, String result) {
        verified.computeIfAbsent(List.of(application, scheme.tag(), result), key -> Counter.builder("signer.verifications")
                .description("Credential verifications by application, scheme and outcome")
                .tags(tags(key))
                .register(registry))
                .increment();
    }

    private static Tags tags(List<String> applicationSchemeOutcome) {
        return Tags.of("application", applicationSchemeOutcome.get(0), "scheme", applicationSchemeOutcome.get(1),
                "outcome", applicationSchemeOutcome.get(2));
    }
}
