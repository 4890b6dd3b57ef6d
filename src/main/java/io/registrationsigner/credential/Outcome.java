package io.registrationsigner.credential;

import java.util.Locale;

/**
 * How a request ended. The names are the gRPC status codes a caller sees; metrics and the audit
 * log use them in lower case.
 */
public enum Outcome {
    OK, INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNAVAILABLE,
    DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL;

    private final String tag = name().toLowerCase(Locale.ROOT);

    public String tag() {
        return tag;
    }

    /** The outcome of a failure, or OK for none; anything unforeseen is INTERNAL. */
    public static Outcome of(Throwable failure) {
        return failure == null ? OK : ErrorReason.of(failure).outcome();
    }
}
