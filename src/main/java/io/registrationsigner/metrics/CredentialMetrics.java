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
 * {@code signer_credentials_total} and {@code signer_credential_duration_seconds}, tagged by
 * application name (never a key the caller made up: unknown keys count as "none", so callers
 * cannot grow the label set), scheme and outcome (the gRPC status code, lower case).
 */
@ApplicationScoped
public class CredentialMetrics {

    public static final String NO_APPLICATION = "none";

    private final MeterRegistry registry;

    CredentialMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void record(String application, String scheme, Status.Code outcome, long startNanos) {
        Tags tags = Tags.of("application", application, "scheme", scheme,
                "outcome", outcome.name().toLowerCase(Locale.ROOT));
        Counter.builder("signer.credentials")
                .description("Credential requests by application, scheme and outcome")
                .tags(tags)
                .register(registry)
                .increment();
        Timer.builder("signer.credential.duration")
                .description("Time to answer a credential request")
                .tags(tags)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry)
                .record(Duration.ofNanos(System.nanoTime() - startNanos));
    }
}
