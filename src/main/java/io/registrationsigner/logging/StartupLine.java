package io.registrationsigner.logging;

import java.util.logging.LogRecord;

/**
 * Quarkus' start-up line names the addresses of its HTTP server after "Listening on: ", and the
 * service has none (quarkus.http.host-enabled=false): it would read "Listening on: . Management
 * interface listening on …". That empty part is left out; the gRPC port has a line of its own
 * ("Started gRPC server on …"), just before.
 */
final class StartupLine {

    private static final String QUARKUS = "io.quarkus";
    private static final String NOTHING_LISTENING = "Listening on: ";

    private StartupLine() {
    }

    static void leaveOutEmptyListening(LogRecord record) {
        if (!QUARKUS.equals(record.getLoggerName()) || record.getParameters() == null) {
            return;
        }
        Object[] parameters = record.getParameters();
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i] instanceof String text && text.startsWith(NOTHING_LISTENING)) {
                String rest = text.substring(NOTHING_LISTENING.length());
                if (rest.isEmpty() || rest.startsWith(". ")) {
                    Object[] changed = parameters.clone();
                    changed[i] = rest.isEmpty() ? "" : rest.substring(2);
                    record.setParameters(changed);
                }
                return;
            }
        }
    }
}
