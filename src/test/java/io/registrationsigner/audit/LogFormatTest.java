package io.registrationsigner.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Level;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.registrationsigner.logging.LogLines;
import io.registrationsigner.logging.TraceFields;

/**
 * The service's log formats left-justify every field to width 0, which spares JBoss LogManager a
 * copy per field: the lines must read exactly as those of the plain pattern. A line written in a
 * traced call names its trace and span; any other line carries no trace field, not even empty.
 */
class LogFormatTest {

    private static final String PLAIN = "%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c] (%t) %X{traceFields}%s%e%n";

    @ParameterizedTest
    @ValueSource(strings = { "quarkus.log.console.format", "quarkus.log.file.format" })
    void linesReadAsThoseOfThePlainPattern(String property) throws IOException {
        String format = applicationProperties().getProperty(property);
        assertTrue(format.contains("%-0d{"), format);

        ExtLogRecord audit = record(Level.INFO, "credential caller=backend application=vector user=alice scheme=legacy"
                + " credential=42 outcome=ok");
        ExtLogRecord traced = record(Level.WARN, "Redis is slow");
        traced.putMdc("traceId", "4bf92f3577b34da6a3ce929d0e0e4736");
        traced.putMdc("spanId", "00f067aa0ba902b7");
        ExtLogRecord failed = record(Level.ERROR, "Request failed");
        failed.setThrown(new IllegalStateException("boom"));

        for (ExtLogRecord record : new ExtLogRecord[] { audit, traced, failed }) {
            // What the handlers' filter (LogLines) does to every record before it is formatted.
            TraceFields.name(record);
            assertEquals(new PatternFormatter(PLAIN).format(record), new PatternFormatter(format).format(record));
        }
        assertTrue(new PatternFormatter(format).format(traced)
                .contains(" WARN  [signer.audit] (main) traceId=4bf92f3577b34da6a3ce929d0e0e4736 spanId=00f067aa0ba902b7 Redis is slow"));
        String untraced = new PatternFormatter(format).format(audit);
        assertTrue(untraced.contains(" INFO  [signer.audit] (main) credential caller=backend "), untraced);
        assertFalse(untraced.contains("traceId") || untraced.contains("spanId"), untraced);
    }

    @ParameterizedTest
    @ValueSource(strings = { "quarkus.log.console.filter", "quarkus.log.file.filter" })
    void everyTextLineGoesThroughTheFilterThatNamesTheTrace(String property) throws IOException {
        assertEquals(LogLines.NAME, applicationProperties().getProperty(property));
    }

    private static ExtLogRecord record(Level level, String message) {
        ExtLogRecord record = new ExtLogRecord(level, message, LogFormatTest.class.getName());
        record.setLoggerName("signer.audit");
        record.setThreadName("main");
        return record;
    }

    private static Properties applicationProperties() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = LogFormatTest.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        }
        return properties;
    }
}
