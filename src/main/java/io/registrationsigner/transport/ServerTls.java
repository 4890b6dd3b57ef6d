package io.registrationsigner.transport;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;

/** Which TLS configuration of the Quarkus registry the gRPC port uses, if any. */
@ApplicationScoped
public class ServerTls {

    private final Optional<TlsConfiguration> configuration;
    private final String property;

    ServerTls(ServerTlsConfig config, TlsConfigurationRegistry registry) {
        if (config.tlsConfigurationName().isPresent()) {
            String name = config.tlsConfigurationName().get();
            this.property = "quarkus.tls." + name;
            this.configuration = Optional.of(registry.get(name).orElseThrow(() -> new ConfigurationException(
                    "signer.server.tls-configuration-name is " + name + ", but " + property
                            + ".key-store is not configured (docs/security.md)")));
            if (configuration.get().getKeyStore() == null) {
                throw new ConfigurationException(property + " has no key store: set " + property
                        + ".key-store.pem.server.cert and .key (docs/security.md)");
            }
        } else {
            this.property = "quarkus.tls";
            this.configuration = registry.getDefault().filter(tls -> tls.getKeyStore() != null);
        }
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
