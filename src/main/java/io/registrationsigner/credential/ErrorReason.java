package io.registrationsigner.credential;

import static io.registrationsigner.credential.Outcome.DEADLINE_EXCEEDED;
import static io.registrationsigner.credential.Outcome.INTERNAL;
import static io.registrationsigner.credential.Outcome.INVALID_ARGUMENT;
import static io.registrationsigner.credential.Outcome.NOT_FOUND;
import static io.registrationsigner.credential.Outcome.PERMISSION_DENIED;
import static io.registrationsigner.credential.Outcome.RESOURCE_EXHAUSTED;
import static io.registrationsigner.credential.Outcome.UNAUTHENTICATED;
import static io.registrationsigner.credential.Outcome.UNAVAILABLE;
import static io.registrationsigner.credential.Outcome.UNIMPLEMENTED;

import java.util.Optional;

import io.registrationsigner.ratelimit.RateLimitedException;
import io.registrationsigner.redis.RedisUnavailableException;

/**
 * Why a request failed, for machines: the stable reason of the google.rpc.ErrorInfo every failed
 * call carries (the list is in the proto and in docs/errors.md). Each belongs to one outcome,
 * and the request fields it blames, if any, go into a google.rpc.BadRequest.
 */
public enum ErrorReason {
    USER_ID_INVALID(INVALID_ARGUMENT, "user_id"),
    APPLICATION_KEY_REQUIRED(INVALID_ARGUMENT, "application_key"),
    APPLICATION_KEY_INVALID(INVALID_ARGUMENT, "application_key"),
    TOKEN_TTL_OUT_OF_RANGE(INVALID_ARGUMENT, "token_ttl"),
    INSTANCE_TTL_OUT_OF_RANGE(INVALID_ARGUMENT, "instance_ttl"),
    CREDENTIAL_REQUIRED(INVALID_ARGUMENT, "credential"),
    TOKEN_TOO_LONG(INVALID_ARGUMENT, "token"),
    MALFORMED_MESSAGE(INVALID_ARGUMENT, null),
    APPLICATION_UNKNOWN(NOT_FOUND, null),
    NO_CREDENTIAL(UNAUTHENTICATED, null),
    MALFORMED_AUTHORIZATION(UNAUTHENTICATED, null),
    UNKNOWN_TOKEN(UNAUTHENTICATED, null),
    UNKNOWN_CERTIFICATE(UNAUTHENTICATED, null),
    CALLER_NOT_ALLOWED(PERMISSION_DENIED, null),
    END_USER_NOT_ASSERTED(PERMISSION_DENIED, null),
    AMBIGUOUS_END_USER(PERMISSION_DENIED, null),
    RATE_LIMITED(RESOURCE_EXHAUSTED, null),
    TOO_MANY_WATCHES(RESOURCE_EXHAUSTED, null),
    SEQUENCE_STORE_UNAVAILABLE(UNAVAILABLE, null),
    DEADLINE_PASSED(DEADLINE_EXCEEDED, null),
    COMPRESSED_MESSAGE(UNIMPLEMENTED, null),
    MALFORMED_TIMEOUT(INTERNAL, null),
    INTERNAL_ERROR(INTERNAL, null);

    private final Outcome outcome;
    private final String field;

    ErrorReason(Outcome outcome, String field) {
        this.outcome = outcome;
        this.field = field;
    }

    public Outcome outcome() {
        return outcome;
    }

    /** The request field at fault, for a google.rpc.BadRequest; empty when the fault is no field's. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** The reason of a failure; anything unforeseen is INTERNAL_ERROR. */
    public static ErrorReason of(Throwable failure) {
        if (failure instanceof Failure known) {
            return known.reason();
        }
        if (failure instanceof RateLimitedException) {
            return RATE_LIMITED;
        }
        if (failure instanceof RedisUnavailableException) {
            return SEQUENCE_STORE_UNAVAILABLE;
        }
        return INTERNAL_ERROR;
    }
}
