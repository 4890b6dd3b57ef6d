package io.registrationsigner.application;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How secrets held in files are reloaded. */
@ConfigMapping(prefix = "signer.secrets")
public interface SecretsConfig {

    /** How often secret files are read again. */
    @WithDefault("10s")
    Duration reloadInterval();

    /** How long VerifyRegistration still accepts credentials made with a replaced secret. */
    @WithDefault("1h")
    Duration gracePeriod();
}
