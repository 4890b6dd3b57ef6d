package io.registrationsigner.application;

import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;

/**
 * The Sinch applications this service signs for, each under a name of the operator's choice:
 * {@code signer.applications.<name>.key} and {@code signer.applications.<name>.secret}.
 */
@ConfigMapping(prefix = "signer.applications")
public interface ApplicationsConfig {

    @WithParentName
    Map<String, ApplicationConfig> applications();

    interface ApplicationConfig {

        /**
         * The Sinch Application Key, as the Sinch dashboard shows it. Required: optional here only
         * so that a missing key is reported with every other problem of the configuration.
         */
        Optional<String> key();

        /** The Sinch Application Secret: Base64 text, as the Sinch dashboard shows it. */
        Optional<String> secret();

        /**
         * A file that holds the secret instead, such as a key of a mounted Kubernetes Secret. It is
         * read again every {@code signer.secrets.reload-interval}: a new secret takes effect
         * without a restart.
         */
        Optional<String> secretFile();
    }
}
