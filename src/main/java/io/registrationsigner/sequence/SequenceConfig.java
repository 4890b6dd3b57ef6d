package io.registrationsigner.sequence;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "signer.sequence")
public interface SequenceConfig {

    /** Prefix of the Redis keys that hold the sequences, one key per (application, user). */
    @WithDefault("signer:seq:")
    String keyPrefix();

    /** The lowest value a sequence may take: {@code epoch-millis} or {@code none}. */
    @WithDefault("epoch-millis")
    Floor floor();

    /**
     * How long a user's sequence key lives after its last use, with the {@code epoch-millis} floor
     * (unset: {@link #DEFAULT_TTL}); the next sequence after it expired is the clock's, above every
     * one handed out before. Refused with {@code none}, whose keys must live for ever.
     */
    Optional<Duration> ttl();

    /** Thirty days: a user who registers once a month keeps a key; one who left frees it. */
    Duration DEFAULT_TTL = Duration.ofDays(30);

    enum Floor {
        /**
         * Plain INCR: a new or lost key starts again at 1, below values handed out before, when
         * Redis loses writes (AOF fsync every second, a failover) or evicts keys.
         */
        NONE,
        /**
         * Never below the Redis server's clock in milliseconds, so that sequences stay above every
         * one handed out before even when Redis loses its data (flush, old backup, failover).
         */
        EPOCH_MILLIS
    }
}
