package io.registrationsigner.sequence;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "signer.sequence")
public interface SequenceConfig {

    /** Prefix of the Redis keys that hold the sequences, one key per (application, user). */
    @WithDefault("signer:seq:")
    String keyPrefix();

    /** How long a call waits for Redis before it fails with UNAVAILABLE. */
    @WithDefault("2s")
    Duration timeout();
}
