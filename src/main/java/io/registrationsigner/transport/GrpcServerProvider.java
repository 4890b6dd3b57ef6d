package io.registrationsigner.transport;

import java.util.List;
import java.util.Map;

import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.quarkus.arc.Arc;
import io.quarkus.grpc.runtime.config.GrpcClientConfiguration;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.quarkus.grpc.spi.GrpcBuilderProvider;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownContext;
import io.registrationsigner.configuration.ConfigurationCheck;
import io.vertx.core.Vertx;

/**
 * quarkus-grpc's hook (found by ServiceLoader) to build its separate gRPC server: the server is
 * built by {@link GrpcServerLifecycle}, which keeps it to shut it down. Dev mode keeps
 * quarkus-grpc's own builder, whose server live reload knows how to swap services in.
 */
public class GrpcServerProvider implements GrpcBuilderProvider<GrpcServerLifecycle.OwnedServerBuilder> {

    /**
     * quarkus-grpc asks this first, before it creates the services and builds its server: the
     * configuration is checked here as a whole, and one that cannot serve stops start-up with
     * every problem in one message.
     */
    @Override
    public boolean providesServer(GrpcServerConfiguration configuration) {
        ConfigurationCheck.run();
        return GrpcServerLifecycle.buildsTheServer(configuration.useSeparateServer());
    }

    @Override
    public ServerBuilder<GrpcServerLifecycle.OwnedServerBuilder> createServerBuilder(Vertx vertx,
            GrpcServerConfiguration configuration, LaunchMode launchMode) {
        return lifecycle().builder(vertx, configuration, launchMode);
    }

    @Override
    public String serverInfo(String host, int port, GrpcServerConfiguration configuration) {
        return String.format("gRPC server on %s:%d [TLS enabled: %s, transport: %s]", host, port, lifecycle().tlsEnabled(),
                lifecycle().transport());
    }

    @Override
    public String toString() {
        // quarkus-grpc logs the provider it found (at INFO, which application.properties leaves out).
        return "registration-signer's gRPC server (GrpcServerLifecycle)";
    }

    private static GrpcServerLifecycle lifecycle() {
        return Arc.container().instance(GrpcServerLifecycle.class).get();
    }

    // The rest is for dev mode, where this provider builds no server (quarkus-grpc starts the
    // server itself outside it), and for channels, which it does not provide.

    @Override
    public void startServer(Server server) throws Exception {
        server.start();
    }

    @Override
    public void postStartup(Server server, ShutdownContext shutdown) {
    }

    @Override
    public void devModeReload(List<ServerServiceDefinition> servicesWithInterceptors,
            Map<String, ServerMethodDefinition<?, ?>> methods, List<ServerInterceptor> globalInterceptors,
            ShutdownContext shutdown) {
        throw new UnsupportedOperationException("not used in dev mode");
    }

    @Override
    public boolean serverAlreadyExists() {
        return false;
    }

    @Override
    public boolean providesChannel(GrpcClientConfiguration configuration) {
        return false;
    }

    @Override
    public String resolver() {
        throw new UnsupportedOperationException("provides no channel");
    }

    @Override
    public ManagedChannelBuilder<?> createChannelBuilder(GrpcClientConfiguration configuration, String target) {
        throw new UnsupportedOperationException("provides no channel");
    }

    @Override
    public String channelInfo(GrpcClientConfiguration configuration) {
        throw new UnsupportedOperationException("provides no channel");
    }
}
