package io.registrationsigner.sequence;

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
