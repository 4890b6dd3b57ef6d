package io.registrationsigner.redis;

import java.time.Duration;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.ConnectionPoolTooBusyException;

/** Redis did not answer in time or failed. The message is safe to show to callers; the cause is not. */
public class RedisUnavailableException extends RuntimeException {

    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A Redis call that fails with this exception, never with the client's own, and never waits
     * longer than {@code timeout}. A full waiting queue for a pooled connection
     * (quarkus.redis.max-pool-waiting) fails at once, with its own message.
     *
     * @param store what the call asks, for the message: "the sequence store", "the rate limit store"
     */
    public static <T> Uni<T> bounded(Uni<T> call, Duration timeout, String store) {
        return call
                .onFailure().transform(cause -> new RedisUnavailableException(cause instanceof ConnectionPoolTooBusyException
                        || RedisPipeline.QUEUE_FULL.equals(cause.getMessage())
                        ? "too many calls are waiting for a connection to " + store + "; retry later"
                        : store + " is unavailable; retry later", cause))
                .ifNoItem().after(timeout).failWith(() -> new RedisUnavailableException(
                        store + " did not answer within " + timeout.toMillis() + " ms; retry later", null));
    }
}
