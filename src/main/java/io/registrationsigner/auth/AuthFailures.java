package io.registrationsigner.auth;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.registrationsigner.credential.ErrorReason;
import io.registrationsigner.logging.LogThrottle;

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

    private record Meter(Counter count, LogThrottle log) {
    }

    private final Map<ErrorReason, Meter> meters = new EnumMap<>(ErrorReason.class);

    AuthFailures(MeterRegistry registry) {
        for (ErrorReason reason : REASONS) {
            meters.put(reason, new Meter(Counter.builder("signer.auth.failures")
                    .description("Calls refused before the service, by reason")
                    .tag("reason", reason.name().toLowerCase(Locale.ROOT))
                    .register(registry), new LogThrottle(Duration.ofSeconds(LOG_INTERVAL_SECONDS))));
        }
    }

    void record(ErrorReason reason, String message, SocketAddress peer) {
        Meter meter = meters.get(reason);
        meter.count().increment();
        long unlogged = meter.log().admit();
        if (unlogged >= 0) {
            LOG.warnf("Call refused (%s) from %s: %s%s", reason.name().toLowerCase(Locale.ROOT), peer, message,
                    LogThrottle.andUnlogged(unlogged));
        }
    }
}
