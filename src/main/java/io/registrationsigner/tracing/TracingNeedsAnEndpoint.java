package io.registrationsigner.tracing;

import java.util.List;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;

/**
 * Tracing is on when an OTLP endpoint is configured ({@code quarkus.otel.exporter.otlp.endpoint},
 * or its {@code traces.} variant, in any configuration source: QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT
 * for one), and off otherwise. Quarkus would otherwise export to localhost:4317 by default and log
 * each failed export where no collector listens. An explicit {@code quarkus.otel.sdk.disabled} wins.
 */
public class TracingNeedsAnEndpoint implements ConfigSourceInterceptor {

    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    static final List<String> ENDPOINTS = List.of("quarkus.otel.exporter.otlp.endpoint",
            "quarkus.otel.exporter.otlp.traces.endpoint");

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!SDK_DISABLED.equals(name) || configured(value)) {
            return value;
        }
        for (String endpoint : ENDPOINTS) {
            if (configured(context.proceed(endpoint))) {
                return value;
            }
        }
        return ConfigValue.builder().withName(name).withValue("true")
                .withConfigSourceName(TracingNeedsAnEndpoint.class.getSimpleName() + " (no OTLP endpoint is configured)")
                .build();
    }

    /** Set by the user in some source, not an extension's default value. */
    private static boolean configured(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank()
                && value.getConfigSourceName() != null && !value.getConfigSourceName().contains("Default");
    }
}
