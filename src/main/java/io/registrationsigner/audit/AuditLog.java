package io.registrationsigner.audit;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import io.registrationsigner.signing.UserIds;

/**
 * One line per credential request that named an application, on the logger {@code signer.audit}:
 * caller, application, user, scheme, the sequence or token nonce, outcome. The fields are also in
 * the MDC, so that the JSON log format ({@code quarkus.log.console.json.enabled=true}) carries them
 * as fields. Never a signature, token or secret.
 */
@ApplicationScoped
public class AuditLog {

    private static final Logger LOG = Logger.getLogger("signer.audit");

    private final boolean enabled;

    AuditLog(@ConfigProperty(name = "signer.audit.enabled", defaultValue = "true") boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * @param credentialId the sequence of a legacy credential or the nonce of a token; null when none was issued
     */
    public void record(String caller, String application, String userId, String scheme, String credentialId,
            String outcome) {
        if (!enabled) {
            return;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("caller", caller);
        fields.put("application", application);
        // A user id that breaks Sinch's rule is caller input of any length and content: not logged.
        fields.put("user", UserIds.problem(userId).isEmpty() ? userId : "(invalid)");
        fields.put("scheme", scheme);
        fields.put("credential", credentialId == null ? "-" : credentialId);
        fields.put("outcome", outcome);
        StringBuilder line = new StringBuilder("credential");
        fields.forEach((name, value) -> {
            MDC.put(name, value);
            line.append(' ').append(name).append('=').append(value);
        });
        try {
            LOG.info(line);
        } finally {
            fields.keySet().forEach(MDC::remove);
        }
    }
}
