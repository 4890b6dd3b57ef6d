package io.registrationsigner.configuration;

import java.util.Optional;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.arc.Arc;
import io.quarkus.arc.Unremovable;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.registrationsigner.application.Applications;
import io.registrationsigner.application.ApplicationsConfig;
import io.registrationsigner.auth.AuthConfig;
import io.registrationsigner.auth.Callers;
import io.registrationsigner.redis.RedisConfig;
import io.registrationsigner.redis.RedisPasswordFile;
import io.registrationsigner.sequence.SequenceConfig;
import io.registrationsigner.sequence.SequenceStore;
import io.registrationsigner.token.TokenConfig;
import io.registrationsigner.token.TokenPolicy;
import io.registrationsigner.transport.ServerTls;
import io.registrationsigner.transport.ServerTlsConfig;

/**
 * The whole configuration, checked once before anything is built from it: Redis, the
 * applications, the callers, the TLS of the gRPC port, token lifetimes and sequence keys. A
 * configuration that cannot start the service stops it with one message that lists every missing
 * or wrong setting and where it is documented, without a stack trace. The parts check themselves
 * again as they are built (the same checks), which by then finds nothing.
 * <p>
 * It runs when quarkus-grpc looks for the builder of its server (GrpcServerProvider), the first
 * code of the service that start-up runs, before the services and the server are built and before
 * any port opens. Settings of Quarkus' own that do not convert (a duration that is no duration)
 * are reported earlier still, by Quarkus, in a message of its own.
 */
@Singleton
@Unremovable
public class ConfigurationCheck {

    ConfigurationCheck(@ConfigProperty(name = "quarkus.redis.hosts") Optional<String> redisHosts,
            @ConfigProperty(name = "quarkus.redis.hosts-provider-name") Optional<String> redisHostsProvider,
            RedisConfig redis, ApplicationsConfig applications, AuthConfig auth, ServerTlsConfig serverTlsConfig,
            TlsConfigurationRegistry tlsRegistry, TokenConfig token, SequenceConfig sequence) {
        ConfigurationProblems problems = new ConfigurationProblems();
        if (redisHosts.isEmpty() && redisHostsProvider.isEmpty()) {
            problems.add("quarkus.redis.hosts (QUARKUS_REDIS_HOSTS) is not set: the sequences live in Redis;"
                    + " set it to its address, such as redis://redis:6379", "docs/redis.md#topologies");
        }
        RedisPasswordFile.check(redis, problems);
        Applications.index(applications.applications(), problems);
        ServerTls.Resolution serverTls = ServerTls.resolve(serverTlsConfig, tlsRegistry, problems);
        Callers.check(auth, applications, serverTls, problems);
        TokenPolicy.check(token, problems);
        SequenceStore.ttl(sequence, problems);
        problems.throwIfAny();
    }

    /** Checks the configuration, once: throws a ConfigurationException that names every problem. */
    public static void run() {
        Arc.container().instance(ConfigurationCheck.class).get();
    }
}
