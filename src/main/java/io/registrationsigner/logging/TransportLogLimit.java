package io.registrationsigner.logging;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;

/**
 * The warnings that grpc-java, Netty and Vert.x write about a connection or a stream (a protocol
 * error, a reset, a malformed header) happen as often as a stranger sends such bytes. Each logger
 * of theirs gets one such line per {@value #INTERVAL_SECONDS} s, which says how many it stands for;
 * all are counted in {@code signer_transport_warnings_total} by logger. So does grpc-java's INFO
 * line on each connection that failed (a protocol error, direct memory exhausted). The service's
 * own lines and every other line pass as they are. Part of {@link LogLines}.
 */
final class TransportLogLimit implements Filter {

    static final long INTERVAL_SECONDS = 10;
    static final List<String> TRANSPORT_LOGGERS = List.of("io.grpc.", "io.netty.", "io.vertx.", "io.quarkus.grpc.",
            "io.quarkus.vertx.");

    static final String CONNECTION_FAILURES = "io.grpc.netty.NettyServerTransport.connections";

    private record Limit(LogThrottle throttle, Counter warnings) {
    }

    private final Map<String, Limit> limits = new ConcurrentHashMap<>();
    /**
     * The record this thread decided last, and how: the same filter sits on several handlers
     * (console, file), which see a record one after the other on the thread that logs it.
     */
    private final ThreadLocal<Decision> last = new ThreadLocal<>();

    private record Decision(LogRecord record, boolean loggable) {
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (!isLimited(record)) {
            return true;
        }
        Decision decided = last.get();
        if (decided != null && decided.record() == record) {
            return decided.loggable();
        }
        Limit limit = limits.computeIfAbsent(record.getLoggerName(), logger -> new Limit(
                new LogThrottle(Duration.ofSeconds(INTERVAL_SECONDS)),
                Counter.builder("signer.transport.warnings")
                        .description("Warnings and errors of grpc-java, Netty and Vert.x, logged or not, by logger")
                        .tag("logger", logger).register(Metrics.globalRegistry)));
        limit.warnings().increment();
        long unlogged = limit.throttle().admit();
        if (unlogged > 0) {
            record.setMessage(record.getMessage() + " [" + unlogged + " more such lines of this logger left out since the last]");
        }
        boolean loggable = unlogged >= 0;
        last.set(new Decision(record, loggable));
        return loggable;
    }

    /** Their warnings and errors, and grpc-java's note (at INFO, with a stack trace) on every connection that failed. */
    static boolean isLimited(LogRecord record) {
        String logger = record.getLoggerName();
        if (logger == null) {
            return false;
        }
        if (record.getLevel().intValue() < Level.WARNING.intValue()) {
            return CONNECTION_FAILURES.equals(logger) && record.getLevel().intValue() >= Level.INFO.intValue();
        }
        for (String prefix : TRANSPORT_LOGGERS) {
            if (logger.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
