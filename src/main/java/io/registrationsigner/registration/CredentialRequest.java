package io.registrationsigner.registration;

import java.time.Duration;
import java.util.Optional;

import io.registrationsigner.auth.CallerContext;

/**
 * Who asks, for which user of which application, and how long it waits.
 *
 * @param applicationKey empty: the only application the service holds
 * @param timeLeft until the caller's deadline, when it set one
 */
public record CredentialRequest(CallerContext caller, String applicationKey, String userId, Optional<Duration> timeLeft) {
}
