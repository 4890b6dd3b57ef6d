package io.registrationsigner.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Level;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Test;

class LogLinesTest {

    private static final String STARTED = "%s %s (powered by Quarkus %s) started in %ss. %s";

    @Test
    void quarkusStartupLineLeavesOutTheEmptyListOfHttpAddresses() {
        LogLines filter = new LogLines(false, false, false);
        ExtLogRecord record = startupLine("Listening on: . Management interface listening on http://0.0.0.0:9000.");
        assertTrue(filter.isLoggable(record));
        // The file handler sees the same record after the console's.
        assertTrue(filter.isLoggable(record));
        assertEquals("registration-signer 1.0.0 (powered by Quarkus 3.33.2) started in 1.234s."
                + " Management interface listening on http://0.0.0.0:9000.", message(record));

        ExtLogRecord withoutManagement = startupLine("Listening on: ");
        filter.isLoggable(withoutManagement);
        assertEquals("registration-signer 1.0.0 (powered by Quarkus 3.33.2) started in 1.234s. ", message(withoutManagement));
    }

    @Test
    void anHttpAddressStaysInTheStartupLine() {
        ExtLogRecord record = startupLine("Listening on: http://0.0.0.0:8080. Management interface listening on http://0.0.0.0:9000.");
        new LogLines(false, false, false).isLoggable(record);
        assertTrue(message(record).endsWith("started in 1.234s. Listening on: http://0.0.0.0:8080."
                + " Management interface listening on http://0.0.0.0:9000."), message(record));
    }

    @Test
    void traceFieldsOnlyInATracedCallAndOnlyForATextFormat() {
        ExtLogRecord traced = traced();
        new LogLines(false, false, false).isLoggable(traced);
        assertEquals("traceId=4bf92f3577b34da6a3ce929d0e0e4736 spanId=00f067aa0ba902b7 ", traced.getMdc(TraceFields.MDC_KEY));

        ExtLogRecord untraced = new ExtLogRecord(Level.INFO, "no call", LogLinesTest.class.getName());
        new LogLines(false, false, false).isLoggable(untraced);
        assertNull(untraced.getMdc(TraceFields.MDC_KEY));

        // JSON lines carry traceId and spanId as MDC fields of their own.
        ExtLogRecord json = traced();
        new LogLines(true, false, false).isLoggable(json);
        assertNull(json.getMdc(TraceFields.MDC_KEY));
        ExtLogRecord jsonConsoleTextFile = traced();
        new LogLines(true, true, false).isLoggable(jsonConsoleTextFile);
        assertTrue(jsonConsoleTextFile.getMdc(TraceFields.MDC_KEY).startsWith("traceId=4bf92f"));
    }

    private static ExtLogRecord traced() {
        ExtLogRecord record = new ExtLogRecord(Level.WARN, "Redis is slow", LogLinesTest.class.getName());
        record.setLoggerName("io.registrationsigner.redis.RedisPipeline");
        record.putMdc("traceId", "4bf92f3577b34da6a3ce929d0e0e4736");
        record.putMdc("spanId", "00f067aa0ba902b7");
        return record;
    }

    private static ExtLogRecord startupLine(String httpServers) {
        ExtLogRecord record = new ExtLogRecord(Level.INFO, STARTED, ExtLogRecord.FormatStyle.PRINTF, LogLinesTest.class.getName());
        record.setLoggerName("io.quarkus");
        record.setParameters(new Object[] { "registration-signer", "1.0.0", "3.33.2", "1.234", httpServers });
        return record;
    }

    private static String message(ExtLogRecord record) {
        return new PatternFormatter("%s").format(record);
    }
}
