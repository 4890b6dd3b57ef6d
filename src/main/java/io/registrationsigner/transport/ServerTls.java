package io.registrationsigner.transport;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.registrationsigner.configuration.ConfigurationProblems;

/** Which TLS configuration of the Quarkus registry the gRPC port uses, if any. */
@ApplicationScoped
public class ServerTls {

    static final String DOCS = "docs/security.md#tls";

    /**
     * The TLS of the gRPC port as configured: the configuration it serves with (empty for plain
     * text), its properties' prefix for messages, and whether it is configured as named (a
     * misspelt name must not leave the port in plain text).
     */
    public record Resolution(Optional<TlsConfiguration> configuration, String property, boolean valid) {
    }

    private final Optional<TlsConfiguration> configuration;
    private final String property;

    ServerTls(ServerTlsConfig config, TlsConfigurationRegistry registry) {
        ConfigurationProblems problems = new ConfigurationProblems();
        Resolution resolution = resolve(config, registry, problems);
        problems.throwIfAny();
        this.configuration = resolution.configuration();
        this.property = resolution.property();
    }

    /** The port's TLS; what is wrong with its configuration goes to {@code problems}. */
    public static Resolution resolve(ServerTlsConfig config, TlsConfigurationRegistry registry,
            ConfigurationProblems problems) {
        if (config.tlsConfigurationName().isEmpty()) {
            return new Resolution(registry.getDefault().filter(tls -> tls.getKeyStore() != null), "quarkus.tls", true);
        }
        String name = config.tlsConfigurationName().get();
        String property = "quarkus.tls." + name;
        Optional<TlsConfiguration> named = registry.get(name);
        if (named.isEmpty()) {
            problems.add("signer.server.tls-configuration-name is " + name + ", but " + property
                    + ".key-store is not configured", DOCS);
            return new Resolution(Optional.empty(), property, false);
        }
        if (named.get().getKeyStore() == null) {
            problems.add(property + " has no key store: set " + property + ".key-store.pem.server.cert and .key", DOCS);
            return new Resolution(Optional.empty(), property, false);
        }
        return new Resolution(named, property, true);
    }

    /** The configuration the port serves TLS with; empty for plain text. */
    public Optional<TlsConfiguration> configuration() {
        return configuration;
    }

    /** Its properties' prefix, for messages: quarkus.tls.&lt;name&gt; or quarkus.tls. */
    public String property() {
        return property;
    }
}
