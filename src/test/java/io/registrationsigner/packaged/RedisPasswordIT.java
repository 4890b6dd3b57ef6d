package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestApplication.StartupSecrets;

/** The packaged service reaches a Redis that requires a password, read from a file as from a mounted Secret. */
class RedisPasswordIT {

    @Test
    void aPasswordFromAFileOpensARedisThatRequiresOne() throws Exception {
        Path dir = Path.of("target", "test-resources", "redis-password-" + UUID.randomUUID());
        try (RedisProcess redis = RedisProcess.server(dir.resolve("redis"), "--requirepass", StartupSecrets.REDIS_PASSWORD)) {
            Path passwordFile = Files.writeString(Files.createDirectories(dir).resolve("redis-password"),
                    StartupSecrets.REDIS_PASSWORD + "\n");
            try (ServiceProcess service = ServiceProcess.startWithVector("redis-password-service", Map.of(
                    "quarkus.redis.hosts", redis.uri(),
                    "signer.redis.password-file", passwordFile.toAbsolutePath().toString()))) {
                ManagedChannel channel = GrpcChannels.open(service.url());
                try {
                    assertEquals(1, RegistrationSignerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                            .signRegistration(SignRegistrationRequest.newBuilder().setUserId("behind-a-password")
                                    .setApplicationKey(TestApplication.VECTOR.key()).build())
                            .getSequence());
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        }
    }
}
