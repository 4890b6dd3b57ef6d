package io.registrationsigner.audit;

import java.util.Optional;
import java.util.concurrent.Executor;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import io.quarkus.runtime.Startup;
import io.registrationsigner.credential.ClientCertificate;
import io.registrationsigner.credential.CredentialEvent;
import io.registrationsigner.signing.UserIds;

/**
 * One line per credential request that named an application, on the logger {@code signer.audit}:
 * caller, application, user, scheme, the sequence or token nonce, outcome. The fields are also in
 * the MDC, so that the JSON log format ({@code quarkus.log.console.json.enabled=true}) carries them
 * as fields. Never a signature, token or secret.
 * <p>
 * A call is answered after its audit line is written: the lines of the calls an event loop
 * completes together leave the console in one write ({@link ConsoleGroupCommit}).
 */
@Startup
@Singleton
public class AuditLog {

    private static final Executor AT_ONCE = Runnable::run;

    private static final Logger LOG = Logger.getLogger("signer.audit");

    // The line's fields in its order, and their MDC keys.
    private static final String[] FIELDS = { "caller", "application", "user", "scheme", "credential", "outcome" };
    // Only for a caller named by its client certificate.
    private static final String CERTIFICATE = "certificate";
    private static final String ISSUER = "issuer";

    private final boolean enabled;
    private final boolean mdc;
    private final Optional<ConsoleGroupCommit> groupCommit;

    AuditLog(@ConfigProperty(name = "signer.audit.enabled", defaultValue = "true") boolean enabled,
            @ConfigProperty(name = "quarkus.log.console.json.enabled", defaultValue = "false") boolean jsonConsole,
            @ConfigProperty(name = "quarkus.log.file.json.enabled", defaultValue = "false") boolean jsonFile,
            @ConfigProperty(name = "quarkus.log.console.stderr", defaultValue = "false") boolean consoleStderr) {
        this.enabled = enabled;
        // The fields as MDC only where a JSON format shows them: the text line already has them all.
        this.mdc = jsonConsole || jsonFile;
        this.groupCommit = enabled ? ConsoleGroupCommit.install(consoleStderr) : Optional.empty();
    }

    public void record(CredentialEvent event) {
        if (!enabled) {
            return;
        }
        String[] values = { event.caller(), event.application(),
                // A user id that breaks Sinch's rule is caller input of any length and content: not logged.
                UserIds.problem(event.userId()).isEmpty() ? event.userId() : "(invalid)",
                event.scheme().tag(), event.credentialId() == null ? "-" : event.credentialId(), event.outcome().tag() };
        // One concatenation, sized exactly: a StringBuilder would be copied again into the log record's String.
        String line = "credential caller=" + values[0] + " application=" + values[1] + " user=" + values[2]
                + " scheme=" + values[3] + " credential=" + values[4] + " outcome=" + values[5];
        ClientCertificate certificate = event.certificate();
        if (certificate != null) {
            // Which certificate was the caller: the issuing CA can tell whom it gave it to.
            line = line + " certificate=" + certificate.serial() + " issuer=\"" + quoted(certificate.issuer()) + "\"";
        }
        String written = line;
        if (groupCommit.isEmpty()) {
            log(written, values, certificate);
        } else {
            groupCommit.get().write(() -> log(written, values, certificate));
        }
    }

    /** Runs a task once the audit lines this thread has logged are written: the caller's answer. */
    public Executor whenWritten() {
        return groupCommit.isPresent() ? groupCommit.get() : AT_ONCE;
    }

    private void log(String line, String[] values, ClientCertificate certificate) {
        if (!mdc) {
            LOG.info(line);
            return;
        }
        for (int i = 0; i < FIELDS.length; i++) {
            MDC.put(FIELDS[i], values[i]);
        }
        if (certificate != null) {
            MDC.put(CERTIFICATE, certificate.serial());
            MDC.put(ISSUER, certificate.issuer());
        }
        try {
            LOG.info(line);
        } finally {
            for (String field : FIELDS) {
                MDC.remove(field);
            }
            MDC.remove(CERTIFICATE);
            MDC.remove(ISSUER);
        }
    }

    /** The issuer's name within double quotes: its quotes and backslashes escaped, control characters dropped. */
    static String quoted(String name) {
        StringBuilder quoted = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\');
            }
            if (c >= ' ' && c != 0x7f) {
                quoted.append(c);
            }
        }
        return quoted.toString();
    }
}
