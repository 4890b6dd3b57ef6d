package io.registrationsigner.registration;

import java.time.Duration;

/**
 * A lifetime as a request gives it (a google.protobuf.Duration's seconds and nanos), checked
 * before any arithmetic: the wire format admits values that no Duration can hold.
 */
public record Lifetime(long seconds, int nanos) {

    /** google.protobuf.Duration's range: about 10,000 years either way. */
    static final long MAX_SECONDS = 315_576_000_000L;
    private static final int MAX_NANOS = 999_999_999;

    static Lifetime of(Duration duration) {
        return new Lifetime(duration.getSeconds(), duration.getNano());
    }

    /** Why this is not a valid google.protobuf.Duration, or null when it is. */
    String problem() {
        // Not Math.abs: it leaves Long.MIN_VALUE negative.
        if (seconds < -MAX_SECONDS || seconds > MAX_SECONDS || nanos < -MAX_NANOS || nanos > MAX_NANOS) {
            return "durations must be within " + MAX_SECONDS + " seconds either way, with nanos within a second";
        }
        if (seconds > 0 && nanos < 0 || seconds < 0 && nanos > 0) {
            return "a duration's seconds and nanos must have the same sign";
        }
        return null;
    }

    boolean isNegative() {
        return seconds < 0 || nanos < 0;
    }
}
