package io.registrationsigner.token;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Lifetimes of registration tokens: the default and the bounds a request must stay within. */
@ConfigMapping(prefix = "signer.token")
public interface TokenConfig {

    /** Token lifetime when the request sets none. */
    @WithDefault("10m")
    Duration defaultTtl();

    /** Shortest token lifetime a request may ask for; never under 60 s. */
    @WithDefault("60s")
    Duration minTtl();

    /** Longest token lifetime a request may ask for. */
    @WithDefault("24h")
    Duration maxTtl();

    /** Shortest instance lifetime (sinch:rtc:instance:exp) a request may ask for; never under 48 h. */
    @WithDefault("48h")
    Duration minInstanceTtl();

    /** Longest instance lifetime a request may ask for. */
    @WithDefault("365d")
    Duration maxInstanceTtl();
}
