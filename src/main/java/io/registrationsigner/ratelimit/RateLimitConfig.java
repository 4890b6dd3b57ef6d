package io.registrationsigner.ratelimit;

import java.time.Duration;
import java.util.OptionalInt;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Budgets of credential requests, shared by all replicas through Redis. Off unless a limit is set. */
@ConfigMapping(prefix = "signer.rate-limit")
public interface RateLimitConfig {

    /** Prefix of the Redis keys that count requests. */
    @WithDefault("signer:rl:")
    String keyPrefix();

    /** Requests per window for one user of one application. */
    Budget perUser();

    /** Requests per window for one caller. */
    Budget perCaller();

    interface Budget {

        /** How many requests a window allows; unset: no limit. */
        OptionalInt limit();

        /** The window: it starts with the first request and lasts this long. */
        @WithDefault("1m")
        Duration window();
    }
}
