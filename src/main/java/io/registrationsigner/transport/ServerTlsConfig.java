package io.registrationsigner.transport;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** TLS of the gRPC port, from the Quarkus TLS registry ({@code quarkus.tls.<name>.*}). */
@ConfigMapping(prefix = "signer.server")
public interface ServerTlsConfig {

    /**
     * The TLS configuration of the gRPC port: {@code quarkus.tls.<name>.key-store.*} and, for
     * client certificates, {@code .trust-store.*}. Unset: the unnamed {@code quarkus.tls.*} one
     * if it has a key store, else plain text.
     */
    Optional<String> tlsConfigurationName();
}
