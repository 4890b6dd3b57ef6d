package io.registrationsigner.tracing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Tracing follows the OTLP endpoint: set in any source, on; only Quarkus' default, off. */
class TracingNeedsAnEndpointTest {

    @Test
    void withoutAnEndpointTracingIsOff() {
        assertTrue(sdkDisabled(Map.of()));
        assertTrue(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.endpoint", " ")));
    }

    @Test
    void anEndpointInAnySourceTurnsItOn() {
        assertFalse(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://otel-collector:4317")));
        assertFalse(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.traces.endpoint", "http://tempo:4318")));
        // A collector next to the service, on the very address Quarkus defaults to, is still a choice.
        assertFalse(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://localhost:4317/")));
    }

    @Test
    void anExplicitSdkDisabledWins() {
        assertTrue(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://otel-collector:4317",
                "quarkus.otel.sdk.disabled", "true")));
        assertFalse(sdkDisabled(Map.of("quarkus.otel.sdk.disabled", "false")));
    }

    private static boolean sdkDisabled(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "EnvConfigSource", 300))
                // What the extension gives when nothing is set.
                .withDefaultValue("quarkus.otel.exporter.otlp.endpoint", "http://localhost:4317/")
                .withDefaultValue("quarkus.otel.sdk.disabled", "false")
                .withInterceptors(new TracingNeedsAnEndpoint())
                .build();
        return config.getValue("quarkus.otel.sdk.disabled", Boolean.class);
    }
}
