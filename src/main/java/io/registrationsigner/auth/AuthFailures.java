package io.registrationsigner.auth;

import java.net.SocketAddress;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.registrationsigner.credential.ErrorReason;

/**
 * Failed authentications, counted by reason ({@code signer_auth_failures_total}) and logged at
 * most once per reason and {@value #LOG_INTERVAL_SECONDS} s, with how many were left unlogged:
 * a stranger can fail as often as it likes, but not fill the log. Nothing the caller sent is
 * logged but its address.
 */
@ApplicationScoped
public class AuthFailures {

    static final long LOG_INTERVAL_SECONDS = 10;
    private static final Logger LOG = Logger.getLogger(AuthFailures.class);

    /** Why a call was refused here; the tag values are the names in lower case. */
    static final List<ErrorReason> REASONS = List.of(ErrorReason.NO_CREDENTIAL, ErrorReason.MALFORMED_AUTHORIZATION,
            ErrorReason.UNKNOWN_TOKEN, ErrorReason.UNKNOWN_CERTIFICATE, ErrorReason.AMBIGUOUS_END_USER);

    private record Meter(Counter count, AtomicLong nextLogNanos, AtomicLong unlogged) {
    }

    private final Map<ErrorReason, Meter> meters = new EnumMap<>(ErrorReason.class);

    AuthFailures(MeterRegistry registry) {
        for (ErrorReason reason : REASONS) {
            meters.put(reason, new Meter(Counter.builder("signer.auth.failures")
                    .description("Calls refused before the service, by reason")
                    .tag("reason", reason.name().toLowerCase(Locale.ROOT))
                    .register(registry), new AtomicLong(System.nanoTime()), new AtomicLong()));
        }
    }

    void record(ErrorReason reason, String message, SocketAddress peer) {
        Meter meter = meters.get(reason);
        meter.count().increment();
        long now = System.nanoTime();
        long next = meter.nextLogNanos().get();
        if (now - next >= 0 && meter.nextLogNanos().compareAndSet(next, now + LOG_INTERVAL_SECONDS * 1_000_000_000L)) {
            long unlogged = meter.unlogged().getAndSet(0);
            LOG.warnf("Call refused (%s) from %s: %s%s", reason.name().toLowerCase(Locale.ROOT), peer, message,
                    unlogged > 0 ? "; " + unlogged + " more such since the last line" : "");
        } else {
            meter.unlogged().incrementAndGet();
        }
    }
}
