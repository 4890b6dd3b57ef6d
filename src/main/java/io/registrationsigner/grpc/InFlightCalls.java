package io.registrationsigner.grpc;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.grpc.Status;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;

/**
 * The calls being answered, so that shutting down waits for them. Quarkus' graceful shutdown
 * (quarkus.shutdown.timeout) does not see gRPC calls on the HTTP port: without this, the Redis
 * client closed under calls whose INCR Redis had run, and those sequences never reached a caller.
 * Once shutting down, new calls are refused with UNAVAILABLE before they use a sequence.
 */
@ApplicationScoped
public class InFlightCalls {

    private static final Logger LOG = Logger.getLogger(InFlightCalls.class);

    private final Object lock = new Object();
    private final Duration timeout;
    private int inFlight;
    private boolean draining;

    InFlightCalls(@ConfigProperty(name = "quarkus.shutdown.timeout") Optional<Duration> timeout) {
        this.timeout = timeout.orElse(Duration.ofSeconds(15));
    }

    /** Runs the call unless shutting down, and counts it until it ends, however it ends. */
    <T> Uni<T> track(Uni<T> call) {
        return Uni.createFrom().deferred(() -> {
            synchronized (lock) {
                if (draining) {
                    return Uni.createFrom().failure(Status.UNAVAILABLE
                            .withDescription("the service is shutting down; retry").asRuntimeException());
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

    // Early among the shutdown observers, while Redis and every bean still work.
    void drain(@Observes @Priority(1) ShutdownEvent event) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        synchronized (lock) {
            draining = true;
            int atStart = inFlight;
            while (inFlight > 0 && System.nanoTime() < deadline) {
                lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            if (inFlight > 0) {
                LOG.warnf("Shutting down with %d calls still unanswered after %d ms", inFlight, timeout.toMillis());
            } else {
                LOG.infof("Shutting down: the %d calls in flight were answered, in %d ms", atStart,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
        }
    }
}
