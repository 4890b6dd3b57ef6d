package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.Http;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.TestApplication;

/**
 * grpc.health.v1.Health of the packaged service knows signer.v1.RegistrationSigner by name, and
 * it and the server as a whole ("") go NOT_SERVING when SIGTERM starts the shutdown, with the
 * HTTP readiness, while calls are still answered; Watch streams see the change.
 */
class GrpcHealthIT {

    private static final String SIGNER = "signer.v1.RegistrationSigner";

    @TempDir
    Path dir;

    @Test
    void healthByServiceNameGoesNotServingWithReadinessWhenShutdownStarts() throws Exception {
        try (RedisProcess redis = RedisProcess.server(dir.resolve("redis"))) {
            Map<String, String> config = new HashMap<>();
            config.put("quarkus.redis.hosts", redis.uri());
            // 1.5 s of serving while not ready, then 2.5 s for the calls in flight (InFlightCalls).
            config.put("quarkus.shutdown.delay", "4s");
            ServiceProcess service = ServiceProcess.startWithVector("grpc-health-service", config);
            ManagedChannel channel = GrpcChannels.open(service.url());
            try {
                HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
                assertEquals(ServingStatus.SERVING, health.check(request(SIGNER)).getStatus());
                assertEquals(ServingStatus.SERVING, health.check(request("")).getStatus());
                BlockingQueue<ServingStatus> signer = watch(channel, SIGNER);
                BlockingQueue<ServingStatus> server = watch(channel, "");
                assertEquals(ServingStatus.SERVING, signer.poll(10, TimeUnit.SECONDS));
                assertEquals(ServingStatus.SERVING, server.poll(10, TimeUnit.SECONDS));
                int management = service.managementPort();
                Http.localhost(management).get("/q/health/ready").then().statusCode(200);

                long sigterm = System.nanoTime();
                service.terminate();

                assertEquals(ServingStatus.NOT_SERVING, signer.poll(2, TimeUnit.SECONDS), "Watch of " + SIGNER);
                assertEquals(ServingStatus.NOT_SERVING, server.poll(2, TimeUnit.SECONDS), "Watch of the server");
                long notServing = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
                Http.localhost(management).get("/q/health/ready").then().statusCode(503);
                // Still within the delay: a call is answered, and Check says the same as Watch.
                ManagedChannel fresh = GrpcChannels.open(service.url());
                try {
                    assertEquals(ServingStatus.NOT_SERVING, HealthGrpc.newBlockingStub(fresh).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .check(request(SIGNER)).getStatus());
                    assertEquals(1, RegistrationSignerGrpc.newBlockingStub(fresh).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .signRegistration(SignRegistrationRequest.newBuilder().setUserId("draining-user")
                                    .setApplicationKey(TestApplication.VECTOR.key()).build())
                            .getSequence());
                } finally {
                    fresh.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                long answered = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
                assertTrue(answered < 1500, "checked within the 1.5 s of serving while not ready: " + answered + " ms");
                System.out.printf("gRPC health: NOT_SERVING %d ms after SIGTERM; readiness DOWN and a call answered by %d ms%n",
                        notServing, answered);
                assertTrue(service.awaitExit(Duration.ofSeconds(20)).isPresent(), "the service did not end after its shutdown delay");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                service.close();
            }
        }
    }

    private static HealthCheckRequest request(String service) {
        return HealthCheckRequest.newBuilder().setService(service).build();
    }

    private static BlockingQueue<ServingStatus> watch(ManagedChannel channel, String service) {
        BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
        HealthGrpc.newStub(channel).watch(request(service), new StreamObserver<>() {
            @Override
            public void onNext(HealthCheckResponse response) {
                statuses.add(response.getStatus());
            }

            @Override
            public void onError(Throwable t) {
                // the server went away
            }

            @Override
            public void onCompleted() {
            }
        });
        return statuses;
    }
}
