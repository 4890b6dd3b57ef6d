package io.registrationsigner.transport;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.registrationsigner.credential.Failure;
import io.registrationsigner.credential.ErrorReason;
import io.registrationsigner.redis.RedisConfig;
import io.vertx.core.Vertx;
import io.smallrye.mutiny.Uni;

/**
 * Shutting down without losing an answer. When SIGTERM comes, readiness goes DOWN and calls are
 * still served for most of quarkus.shutdown.delay; for its last signer.redis.timeout + 0.5 s,
 * new calls are refused with UNAVAILABLE (before they use a sequence) so that every call in flight
 * is answered before the delay ends, when the HTTP server closes the connections still open.
 */
@ApplicationScoped
public class InFlightCalls {

    private static final Logger LOG = Logger.getLogger(InFlightCalls.class);
    private static final Duration MARGIN = Duration.ofMillis(500);

    private final Object lock = new Object();
    private final Duration delay;
    private final Duration drainTime;
    private int inFlight;
    private boolean draining;

    private final Vertx vertx;

    InFlightCalls(@ConfigProperty(name = "quarkus.shutdown.delay") Optional<Duration> delay, RedisConfig redis, Vertx vertx) {
        this.vertx = vertx;
        this.delay = delay.orElse(Duration.ZERO);
        this.drainTime = redis.timeout().plus(MARGIN);
    }

    /** Runs the call unless shutting down, and counts it until it ends, however it ends. */
    public <T> Uni<T> track(Uni<T> call) {
        return Uni.createFrom().deferred(() -> {
            synchronized (lock) {
                if (draining) {
                    return Uni.createFrom().failure(new Failure(ErrorReason.SHUTTING_DOWN, "the service is shutting down; retry"));
                }
                inFlight++;
            }
            return call.onTermination().invoke(this::ended);
        });
    }

    private void ended() {
        synchronized (lock) {
            if (--inFlight == 0) {
                lock.notifyAll();
            }
        }
    }

    /** SIGTERM, readiness DOWN: serve on, then stop taking calls early enough for all to be answered. */
    void shutdownDelayStarted(@Observes ShutdownDelayInitiatedEvent event) {
        // Vert.x timers take at least 1 ms.
        long serveFor = Math.max(1, delay.minus(drainTime).toMillis());
        vertx.setTimer(serveFor, timer -> stopTakingCalls());
    }

    private void stopTakingCalls() {
        synchronized (lock) {
            draining = true;
        }
    }

    /** The last word: what was still in flight when the application stopped (0 after a long enough delay). */
    void stopped(@Observes ShutdownEvent event) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + drainTime.toNanos();
        synchronized (lock) {
            draining = true;
            int atStart = inFlight;
            while (inFlight > 0 && System.nanoTime() < deadline) {
                lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            if (inFlight > 0 || atStart > 0) {
                LOG.warnf("Shutting down with %d calls in flight after the shutdown delay (%d unanswered after %d ms more):"
                        + " set quarkus.shutdown.delay above signer.redis.timeout + 0.5 s", atStart, inFlight,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            } else {
                LOG.info("Shutting down: every call was answered before the connections closed");
            }
        }
    }
}
