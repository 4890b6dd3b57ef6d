package io.registrationsigner.transport;

import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Moves callers off this instance once SIGTERM comes, without losing an answer. Each HTTP/2
 * connection that brings a call is told to go away as gRPC servers do it: a GOAWAY that refuses
 * nothing, a PING, and once the client has answered it, the GOAWAY naming the last stream that
 * will be served. The client then opens a new connection for new calls and closes this one when
 * its calls are answered. This instance does not close it: closing a socket with client frames
 * still unread makes the kernel reset it, and the client loses the answers it had not read yet
 * (what Quarkus' own HTTP/2 handling under quarkus.shutdown.timeout did, so that stays unset).
 */
@ApplicationScoped
public class ConnectionShutdown {

    private static final Logger LOG = Logger.getLogger(ConnectionShutdown.class);
    private static final long NO_ERROR = 0;
    private static final int ANY_STREAM = Integer.MAX_VALUE;
    /** Before the gRPC route (default order), after Quarkus' own first routes. */
    private static final int ROUTE_ORDER = -1;

    private final Set<HttpConnection> toldToGoAway = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private final Optional<Duration> quarkusShutdownTimeout;
    private volatile boolean shuttingDown;

    ConnectionShutdown(@ConfigProperty(name = "quarkus.shutdown.timeout") Optional<Duration> quarkusShutdownTimeout) {
        this.quarkusShutdownTimeout = quarkusShutdownTimeout;
    }

    void started(@Observes StartupEvent event) {
        if (quarkusShutdownTimeout.isPresent()) {
            LOG.warn("quarkus.shutdown.timeout is set: at SIGTERM Quarkus then closes each HTTP/2 connection after"
                    + " its next answer, and callers can lose answers in flight; leave it unset (this service drains"
                    + " its gRPC calls itself within quarkus.shutdown.delay)");
        }
    }

    void routeCalls(@Observes Router router) {
        router.route().order(ROUTE_ORDER).handler(this::callArrived);
    }

    void shutdownDelayStarted(@Observes ShutdownDelayInitiatedEvent event) {
        shuttingDown = true;
    }

    private void callArrived(RoutingContext context) {
        if (shuttingDown && context.request().version() == HttpVersion.HTTP_2) {
            HttpConnection connection = context.request().connection();
            if (toldToGoAway.add(connection)) {
                goAway(connection);
            }
        }
        context.next();
    }

    private static void goAway(HttpConnection connection) {
        connection.goAway(NO_ERROR, ANY_STREAM);
        connection.ping(Buffer.buffer().appendLong(System.nanoTime()))
                .onComplete(pong -> connection.goAway(NO_ERROR));
    }
}
