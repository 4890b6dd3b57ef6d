package io.registrationsigner.transport;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.grpc.BindableService;
import io.grpc.Codec;
import io.grpc.DecompressorRegistry;
import io.grpc.ForwardingServerBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.tls.TlsConfiguration;
import io.registrationsigner.redis.RedisConfig;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.SSLOptions;
import io.vertx.grpc.VertxServer;
import io.vertx.grpc.VertxServerBuilder;

/**
 * The gRPC port: grpc-java's Netty server on Vert.x's event loops, opened with the TLS of
 * {@link ServerTls} and closed without losing an answer. At SIGTERM readiness goes DOWN and calls
 * are still served; for the shutdown delay's last signer.redis.timeout + 0.5 s the server shuts
 * down as grpc-java does it: each connection is told to go away (GOAWAY), new streams are refused
 * with REFUSED_STREAM (which gRPC clients retry on another connection by themselves), the
 * listening socket closes, and the calls in flight are answered. A connection closes once its last
 * call is answered.
 */
@ApplicationScoped
public class GrpcServerLifecycle {

    private static final Logger LOG = Logger.getLogger(GrpcServerLifecycle.class);
    private static final Duration MARGIN = Duration.ofMillis(500);

    /**
     * HTTP/2 flow control: the bytes a client may send on a connection, and on each call, before
     * the server has read them. Four of the largest requests; grpc-java's default is 1 MiB, grown
     * further by its bandwidth-delay probes.
     */
    static final int FLOW_CONTROL_WINDOW = 64 * 1024;

    private final ServerTls tls;
    private final ServerLimitsConfig limits;
    private final ConnectionGuard guard;
    private final Duration delay;
    private final Duration drainTime;
    private final Vertx vertx;
    private final boolean buildsTheServer;
    /** Vert.x's wrapper of grpc-java's server, once built. */
    private volatile VertxServer server;

    GrpcServerLifecycle(ServerTls tls, ServerLimitsConfig limits, ConnectionGuard guard, RedisConfig redis, @ConfigProperty(name = "quarkus.shutdown.delay") Optional<Duration> delay,
            @ConfigProperty(name = "quarkus.grpc.server.use-separate-server") boolean separateServer, Vertx vertx) {
        this.tls = tls;
        this.limits = limits;
        this.guard = guard;
        this.vertx = vertx;
        this.buildsTheServer = buildsTheServer(separateServer);
        this.delay = delay.orElse(Duration.ZERO);
        this.drainTime = redis.timeout().plus(MARGIN);
    }

    /** Whether quarkus-grpc's server is built here: dev mode keeps quarkus-grpc's own builder, for live reload. */
    static boolean buildsTheServer(boolean separateServer) {
        return separateServer && LaunchMode.current() != LaunchMode.DEVELOPMENT;
    }

    /** What quarkus-grpc builds its server from; it adds the services, interceptors and size limits. */
    OwnedServerBuilder builder(Vertx quarkusVertx, GrpcServerConfiguration configuration, LaunchMode launchMode) {
        int port = launchMode == LaunchMode.TEST ? configuration.testPort() : configuration.port();
        VertxServerBuilder builder = VertxServerBuilder.forAddress(quarkusVertx, configuration.host(), port);
        NettyServerBuilder netty = builder.nettyBuilder();
        // TLS set up here rather than by Vert.x (useSsl), which would replace the guarded negotiator with its own.
        netty.protocolNegotiator(guard.guarding(tls.configuration()
                .map(configured -> InternalProtocolNegotiators.serverTls(sslContext(configured)))
                .orElseGet(InternalProtocolNegotiators::serverPlaintext)));
        // grpc-java's defaults are unlimited; docs/security.md#before-authentication says why these.
        netty.maxConcurrentCallsPerConnection(limits.maxConcurrentCallsPerConnection())
                .flowControlWindow(FLOW_CONTROL_WINDOW)
                .maxConnectionIdle(limits.maxConnectionIdle().toNanos(), TimeUnit.NANOSECONDS)
                .maxConnectionAge(limits.maxConnectionAge().toNanos(), TimeUnit.NANOSECONDS)
                .maxConnectionAgeGrace(limits.maxConnectionAgeGrace().toNanos(), TimeUnit.NANOSECONDS)
                .maxRstFramesPerWindow(limits.maxResetsPer10s(), 10);
        // The keep-alive settings that quarkus-grpc applies to its own server, so that they keep their meaning.
        configuration.netty().keepAliveTime().ifPresent(time -> netty.keepAliveTime(time.toNanos(), TimeUnit.NANOSECONDS));
        configuration.netty().permitKeepAliveTime()
                .ifPresent(time -> netty.permitKeepAliveTime(time.toNanos(), TimeUnit.NANOSECONDS));
        configuration.netty().permitKeepAliveWithoutCalls().ifPresent(netty::permitKeepAliveWithoutCalls);
        // Advertise no compression (grpc-accept-encoding): CompressedMessages refuses it. gzip stays
        // known, so that it is CompressedMessages that answers, with the error model's status.
        builder.decompressorRegistry(DecompressorRegistry.emptyInstance().with(new Codec.Gzip(), false)
                .with(Codec.Identity.NONE, false));
        return new OwnedServerBuilder(builder, this);
    }

    /**
     * The server's TLS, as Vert.x would make it from the configuration: HTTP/2 by ALPN, the
     * configured protocols and cipher suites, and a client certificate asked for, not required,
     * when there is a trust store (a caller without one may present a token).
     */
    private SslContext sslContext(TlsConfiguration configuration) {
        try {
            SslContextBuilder context = GrpcSslContexts.configure(
                    SslContextBuilder.forServer(configuration.getKeyStoreOptions().getKeyManagerFactory(vertx)), SslProvider.JDK);
            SSLOptions ssl = configuration.getSSLOptions();
            context.protocols(ssl.getEnabledSecureTransportProtocols().toArray(String[]::new));
            if (!ssl.getEnabledCipherSuites().isEmpty()) {
                context.ciphers(ssl.getEnabledCipherSuites());
            }
            if (configuration.getTrustStoreOptions() != null) {
                context.trustManager(configuration.getTrustStoreOptions().getTrustManagerFactory(vertx))
                        .clientAuth(ClientAuth.OPTIONAL);
            }
            return context.build();
        } catch (Exception e) {
            throw new IllegalStateException("Unable to set up TLS for the gRPC port from " + tls.property() + ": "
                    + e.getMessage(), e);
        }
    }

    boolean tlsEnabled() {
        return tls.configuration().isPresent();
    }

    /** The I/O transport of the event loops: epoll (Netty's native transport on Linux) or nio (Java's). */
    String transport() {
        if (!vertx.isNativeTransportEnabled()) {
            return "nio";
        }
        // Vert.x 4 names its native transports only in internal API: EpollTransport, KQueueTransport.
        return ((VertxInternal) vertx).transport().getClass().getSimpleName().replace("Transport", "").toLowerCase(Locale.ROOT);
    }

    private void built(VertxServer built) {
        server = built;
    }

    /**
     * grpc-java's server itself, once started. Its shutdown is grpc-java's graceful one; the
     * wrapper's would also take it off its Vert.x context, which quarkus-grpc does when Vert.x stops.
     */
    private Optional<Server> running() {
        VertxServer wrapper = server;
        if (wrapper == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(wrapper.getRawServer());
        } catch (NullPointerException notStarted) {
            // Built, never started.
            return Optional.empty();
        }
    }

    private static boolean listens(Server server) {
        try {
            server.getPort();
            return true;
        } catch (IllegalStateException notListening) {
            // Not started (its port in use, say), or already terminated.
            return false;
        }
    }

    /**
     * quarkus-grpc logs a server that could not start (TLS misconfigured, port in use) and lets
     * the application run on without it, healthy and deaf. Fail the start instead.
     */
    void started(@Observes StartupEvent event) {
        if (buildsTheServer && !running().map(GrpcServerLifecycle::listens).orElse(false)) {
            throw new IllegalStateException("The gRPC server is not listening (see the error above): not starting without it");
        }
    }

    /** SIGTERM, readiness DOWN: serve on, then stop taking calls early enough for all to be answered. */
    void shutdownDelayStarted(@Observes ShutdownDelayInitiatedEvent event) {
        // Vert.x timers take at least 1 ms.
        long serveFor = Math.max(1, delay.minus(drainTime).toMillis());
        vertx.setTimer(serveFor, timer -> vertx.executeBlocking(() -> {
            stopTakingCalls();
            return null;
        }));
    }

    private void stopTakingCalls() {
        running().ifPresent(Server::shutdown);
    }

    /** The last word, before the application stops: every call answered (after a long enough delay), or what was not. */
    void stopped(@Observes ShutdownEvent event) throws InterruptedException {
        if (running().isEmpty()) {
            return;
        }
        Server running = running().get();
        long start = System.nanoTime();
        running.shutdown();
        if (running.awaitTermination(drainTime.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.info("Shutting down: every call was answered before the connections closed");
        } else {
            LOG.warnf("Shutting down with calls unanswered %d ms after the shutdown delay: set quarkus.shutdown.delay"
                    + " above signer.redis.timeout + 0.5 s", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            running.shutdownNow();
        }
    }

    /** Keeps the server quarkus-grpc builds, to shut it down. */
    static final class OwnedServerBuilder extends ForwardingServerBuilder<OwnedServerBuilder> {

        private final VertxServerBuilder delegate;
        private final GrpcServerLifecycle lifecycle;

        OwnedServerBuilder(VertxServerBuilder delegate, GrpcServerLifecycle lifecycle) {
            this.delegate = delegate;
            this.lifecycle = lifecycle;
        }

        @Override
        protected ServerBuilder<?> delegate() {
            return delegate;
        }

        @Override
        public OwnedServerBuilder addService(ServerServiceDefinition service) {
            delegate.addService(MalformedMessages.refusedUnparsed(service));
            return this;
        }

        @Override
        public OwnedServerBuilder addService(BindableService service) {
            return addService(service.bindService());
        }

        @Override
        public Server build() {
            VertxServer built = delegate.build();
            lifecycle.built(built);
            return built;
        }
    }
}
