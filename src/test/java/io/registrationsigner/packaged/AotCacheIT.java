package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.ManagedChannel;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.testing.Command;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.Nginx;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.Signatures;
import io.registrationsigner.testing.TestApplication;

/**
 * docker/aot-training.sh, the training run that Dockerfile.jvm makes at image build time: on a
 * JDK 25 it leaves an AOT cache that the JVM takes (-XX:AOTMode=on refuses to start with a cache
 * it cannot use), and the service started from it answers. Needs a JDK 25 or later:
 * SIGNER_JAVA25_HOME; CI sets it and SIGNER_TESTS_REQUIRE_JDK25=true.
 */
class AotCacheIT {

    @TempDir
    Path dir;

    @Test
    void theTrainingRunLeavesACacheThatTheServiceStartsFromAndAnswers() throws Exception {
        Path java = java25();
        Path cache = dir.resolve("app.aot");
        List<String> jvmOptions = dockerfileTrainingOptions();
        List<String> training = new ArrayList<>(List.of("bash", Path.of("docker", "aot-training.sh").toString(),
                java.toString(), Path.of("target", "quarkus-app").toString(), cache.toString()));
        training.addAll(jvmOptions);
        Command trained = Command.run(Path.of("."), Map.of("AOT_TRAINING_PORT", Integer.toString(Nginx.freePort()),
                "AOT_TRAINING_MANAGEMENT_PORT", Integer.toString(Nginx.freePort())), Duration.ofMinutes(3), training);
        assertEquals(0, trained.exitCode(), trained.output());
        assertTrue(Files.size(cache) > 10 << 20, "a cache of " + Files.size(cache) + " bytes");
        assertTrue(trained.output().contains("aot-training: " + cache), trained.output());

        try (RedisProcess redis = RedisProcess.server(dir.resolve("redis"))) {
            List<String> options = new ArrayList<>(List.of("-XX:AOTCache=" + cache, "-XX:AOTMode=on"));
            options.addAll(jvmOptions);
            long start = System.nanoTime();
            ServiceProcess service = ServiceProcess.startWithVector("aot-cache-service", Map.of("quarkus.redis.hosts", redis.uri()),
                    options, java);
            ManagedChannel channel = GrpcChannels.open(service.url());
            try {
                SignRegistrationResponse signed = RegistrationSignerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .signRegistration(SignRegistrationRequest.newBuilder().setUserId("aot-user")
                                .setApplicationKey(TestApplication.VECTOR.key()).build());
                System.out.printf("AOT cache: %d MiB; the service listened and answered %d ms after its start%n",
                        Files.size(cache) >> 20, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                assertEquals(1, signed.getSequence());
                assertEquals(Signatures.expected("aot-user", TestApplication.VECTOR.key(), 1, TestApplication.VECTOR.secret()),
                        signed.getSignature());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                service.close();
            }
        }
    }

    private static Path java25() {
        String home = System.getenv("SIGNER_JAVA25_HOME");
        Path java = home == null || home.isBlank() ? null : Path.of(home, "bin", "java");
        if (java == null || !Files.isExecutable(java)) {
            if ("true".equals(System.getenv("SIGNER_TESTS_REQUIRE_JDK25"))) {
                throw new IllegalStateException("a JDK 25 is required (SIGNER_TESTS_REQUIRE_JDK25=true) but SIGNER_JAVA25_HOME="
                        + home + " has no bin/java");
            }
            Assumptions.abort("no JDK 25 (set SIGNER_JAVA25_HOME to a JDK 25 or later, e.g. Temurin 25): the AOT cache"
                    + " training run of Dockerfile.jvm is skipped");
        }
        return java;
    }

    /** The JVM options Dockerfile.jvm trains with (those of the production runs), read from its RUN line. */
    private static List<String> dockerfileTrainingOptions() throws IOException {
        String dockerfile = Files.readString(Path.of("docker", "Dockerfile.jvm")).replace("\\\n", " ");
        String run = dockerfile.lines().filter(line -> line.startsWith("RUN ") && line.contains("aot-training.sh")).findFirst()
                .orElseThrow(() -> new AssertionError("Dockerfile.jvm runs no aot-training.sh"));
        List<String> words = List.of(run.trim().split("\\s+"));
        List<String> options = words.subList(words.indexOf("/tmp/app.aot") + 1, words.size());
        assertTrue(options.stream().allMatch(option -> option.startsWith("-XX:")), run);
        return options;
    }
}
