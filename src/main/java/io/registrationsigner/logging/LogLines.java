package io.registrationsigner.logging;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.logging.LoggingFilter;

/**
 * The filter of the console and file handlers (a handler takes one): the transport's warnings
 * limited ({@link TransportLogLimit}), the trace fields of the text format ({@link TraceFields}),
 * and Quarkus' start-up line without its empty list of HTTP addresses ({@link StartupLine}).
 */
@LoggingFilter(name = LogLines.NAME)
public final class LogLines implements Filter {

    public static final String NAME = "log-lines";

    private final TransportLogLimit transport = new TransportLogLimit();
    /** The trace fields only where a text format prints them: a JSON line would carry them twice. */
    private final boolean textFormat;

    public LogLines(@ConfigProperty(name = "quarkus.log.console.json.enabled", defaultValue = "false") boolean jsonConsole,
            @ConfigProperty(name = "quarkus.log.file.enabled", defaultValue = "false") boolean file,
            @ConfigProperty(name = "quarkus.log.file.json.enabled", defaultValue = "false") boolean jsonFile) {
        this.textFormat = !jsonConsole || file && !jsonFile;
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (!transport.isLoggable(record)) {
            return false;
        }
        if (textFormat) {
            TraceFields.name(record);
        }
        StartupLine.leaveOutEmptyListening(record);
        return true;
    }
}
