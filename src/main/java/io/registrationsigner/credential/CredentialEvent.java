package io.registrationsigner.credential;

import java.time.Duration;

/**
 * One credential request, as the audit log and the metrics record it.
 *
 * @param certificate the client certificate that named the caller ({@link ClientCertificate}); null for other callers
 * @param application the application's configured name, or "none" when the request named none the service holds
 * @param credentialId the sequence of a legacy credential or the nonce of a token; null when none was issued
 */
public record CredentialEvent(String caller, ClientCertificate certificate, String application, String userId, Scheme scheme, String credentialId,
        Outcome outcome, Duration elapsed) {
}
