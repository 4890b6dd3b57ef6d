package io.registrationsigner.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Level;
import org.junit.jupiter.api.Test;

class LogLinesTest {

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
}
