package io.registrationsigner.logging;

import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtLogRecord;

/**
 * The trace and span of the call a line is written in, for the text format's
 * {@code %X{traceFields}}: {@code traceId=… spanId=… } in a traced call, nothing at all outside
 * one (tracing off, start-up, a timer). A log format cannot leave out a field that is empty: the
 * line carries one MDC entry that holds both fields, or none. JSON lines carry the trace ids as
 * their own MDC fields.
 */
public final class TraceFields {

    /** The MDC entry the text formats print. */
    public static final String MDC_KEY = "traceFields";

    private TraceFields() {
    }

    /** Adds the entry to a record written in a traced call; any other record stays as it is. */
    public static void name(LogRecord record) {
        if (!(record instanceof ExtLogRecord ext)) {
            return;
        }
        String traceId = ext.getMdc("traceId");
        // Each handler (console, file) sees the record in turn: the first one adds the entry.
        if (traceId == null || traceId.isEmpty() || ext.getMdc(MDC_KEY) != null) {
            return;
        }
        String spanId = ext.getMdc("spanId");
        ext.putMdc(MDC_KEY, "traceId=" + traceId + " spanId=" + (spanId == null ? "" : spanId) + " ");
    }
}
