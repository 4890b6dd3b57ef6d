package io.registrationsigner.credential;

import java.util.Locale;

import io.registrationsigner.ratelimit.RateLimitedException;
import io.registrationsigner.redis.RedisUnavailableException;

/**
 * How a request ended. The names are the gRPC status codes a caller sees; metrics and the audit
 * log use them in lower case.
 */
public enum Outcome {
    OK, INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNAVAILABLE,
    DEADLINE_EXCEEDED, INTERNAL;

    private final String tag = name().toLowerCase(Locale.ROOT);

    public String tag() {
        return tag;
    }

    /** The outcome of a failure, or OK for none; anything unforeseen is INTERNAL. */
    public static Outcome of(Throwable failure) {
        if (failure == null) {
            return OK;
        }
        if (failure instanceof Failure known) {
            return known.outcome();
        }
        if (failure instanceof RateLimitedException) {
            return RESOURCE_EXHAUSTED;
        }
        if (failure instanceof RedisUnavailableException) {
            return UNAVAILABLE;
        }
        return INTERNAL;
    }
}
