package io.registrationsigner.grpc;

import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;

import io.micrometer.core.instrument.MeterRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.LegacyCredential;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.testing.Http;
import io.registrationsigner.testing.PrometheusText;
import io.registrationsigner.testing.RawGrpc;
import io.registrationsigner.testing.Reflection;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;

/** What Kubernetes, Prometheus and the engineer with grpcurl see, on the service's one port. */
@QuarkusTest
@WithTestResource(SignerTestResource.class)
class OperationsTest extends ServiceTestBase {

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry registry;

    @Test
    void livenessAndReadinessAreUp() {
        onManagement().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
        onManagement().get("/q/health/started").then().statusCode(200).body("status", is("UP"));
        String health = onManagement().get("/q/health").then().statusCode(200).extract().asString();
        for (String secret : TestApplication.ALL_SECRETS) {
            assertFalse(health.contains(secret), "a secret in /q/health");
        }
        // Readiness is the pod's own state; Redis, which all replicas share, has its own group.
        onManagement().get("/q/health/ready").then().statusCode(200)
                .body("status", is("UP"))
                .body("checks.name", hasItem("gRPC Server"))
                .body("checks.name", not(hasItem("Redis connection health check")));
        onManagement().get("/q/health/group/redis").then().statusCode(200)
                .body("status", is("UP"))
                .body("checks.name", is(List.of("Redis")));
    }

    @Test
    void grpcHealthServesTheSigner() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                health.check(HealthCheckRequest.newBuilder().setService("signer.v1.RegistrationSigner").build()).getStatus());
    }

    @Test
    void reflectionListsAndDescribesTheContract() throws Exception {
        List<String> services = Reflection.services(channel);
        assertTrue(services.containsAll(List.of("signer.v1.RegistrationSigner", "grpc.health.v1.Health")), services.toString());

        var files = Reflection.ask(channel, ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("signer.v1.RegistrationSigner").build()).getFileDescriptorResponse();
        FileDescriptorProto contract = FileDescriptorProto.parseFrom(files.getFileDescriptorProto(0));
        assertEquals("signer/v1/registration_signer.proto", contract.getName());
        assertEquals("SignRegistration", contract.getService(0).getMethod(0).getName());
        assertEquals(List.of("user_id", "application_key", "sequence", "signature"),
                contract.getMessageTypeList().stream().filter(m -> m.getName().equals("SignRegistrationResponse"))
                        .findFirst().orElseThrow().getFieldList().stream().map(f -> f.getName()).toList());
    }

    @Test
    void metricsCountWhatWasIssued() {
        Map<String, String> ok = Map.of("application", "other", "scheme", "legacy", "outcome", "ok");
        Map<String, String> notFound = Map.of("application", "none", "scheme", "legacy", "outcome", "not_found");
        String before = metrics();

        var signer = RegistrationSignerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
            signer(10).signRegistration(SignRegistrationRequest.newBuilder()
                    .setUserId("metrics-user").setApplicationKey(TestApplication.OTHER.key()).build());
        }
        assertThrows(StatusRuntimeException.class, () -> signer(10).signRegistration(SignRegistrationRequest.newBuilder()
                .setUserId("metrics-user").setApplicationKey("11111111-1111-1111-1111-111111111111").build()));

        String after = metrics();
        assertEquals(3, PrometheusText.value(after, "signer_credentials_total", ok)
                - PrometheusText.value(before, "signer_credentials_total", ok));
        assertEquals(1, PrometheusText.value(after, "signer_credentials_total", notFound)
                - PrometheusText.value(before, "signer_credentials_total", notFound));
        assertEquals(3, PrometheusText.value(after, "signer_credential_duration_seconds_count", ok)
                - PrometheusText.value(before, "signer_credential_duration_seconds_count", ok));
        assertTrue(after.contains("signer_credential_duration_seconds_bucket{"), "latency histogram");
        assertTrue(after.lines().anyMatch(l -> l.startsWith("grpc_server_") && l.contains("SignRegistration")),
                "gRPC server metrics from Quarkus");
        for (String secret : TestApplication.ALL_SECRETS) {
            assertFalse(after.contains(secret), "a secret in /q/metrics");
        }
    }

    @Test
    void jvmMetricsAreReadWhenPrometheusScrapes() {
        String before = metrics();
        // The tests run in the service's JVM: this collection is the service's.
        System.gc();
        String after = metrics();
        String pauses = "jvm_gc_pause_seconds_count";
        assertTrue(PrometheusText.sum(after, pauses) > PrometheusText.sum(before, pauses),
                "the collection is not counted in " + pauses);
        assertTrue(PrometheusText.sum(after, "jvm_gc_pause_seconds_sum") > 0, "no time in jvm_gc_pause_seconds_sum");
        assertTrue(PrometheusText.sum(after, "jvm_gc_live_data_size_bytes") > 0, "no live data after a collection");
        assertTrue(PrometheusText.sum(after, "jvm_gc_max_data_size_bytes") > 0, "no max data size");
        assertTrue(PrometheusText.value(after, "jvm_buffer_memory_max_bytes", Map.of("id", "direct")) > 0, "no direct buffers' maximum");
        for (String kept : List.of("jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
                "jvm_info_total", "jvm_buffer_memory_used_bytes")) {
            assertTrue(after.lines().anyMatch(line -> line.startsWith(kept)), kept + " is missing");
        }
        // Only Micrometer's notification listeners make these: none may listen after every collection.
        for (String listening : List.of("jvm_gc_pause_seconds_max", "jvm_gc_overhead", "jvm_memory_usage_after_gc",
                "jvm_gc_memory_allocated_bytes_total")) {
            assertFalse(after.contains(listening), listening + " is there: a binder listens for GC notifications");
        }
    }

    @Test
    void aStalledEventLoopShowsInTheEventLoopMetrics() throws Exception {
        // The tests run in the service's JVM: this event loop is one of the service's. It is held
        // until the gauge shows the watchdog's task waiting for half a second (the watchdog hands
        // it one within a second), under the 2 s that readiness allows.
        CountDownLatch release = new CountDownLatch(1);
        ((VertxInternal) vertx).getEventLoopGroup().next().execute(() -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        double stalled = 0;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            while (stalled < 0.5 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                // Read from the registry: a scrape may be served by the held loop.
                stalled = registry.get("signer.event.loop.stall").timeGauge().value(TimeUnit.SECONDS);
            }
        } finally {
            release.countDown();
        }
        assertTrue(stalled >= 0.5, "stall while the loop is held: " + stalled + " s");

        // The held loop times the watchdog's task as soon as it runs it, right after the latch.
        String after = metrics();
        for (int retry = 0; retry < 20 && PrometheusText.sum(after, "signer_event_loop_delay_seconds_max") < 0.5; retry++) {
            Thread.sleep(100);
            after = metrics();
        }
        double longest = PrometheusText.sum(after, "signer_event_loop_delay_seconds_max");
        assertTrue(longest >= 0.5 && longest < 10, "longest delay after the stall: " + longest + " s");
        assertTrue(PrometheusText.value(after, "signer_event_loop_delay_seconds_bucket", Map.of("le", "0.5"))
                < PrometheusText.value(after, "signer_event_loop_delay_seconds_bucket", Map.of("le", "+Inf")), "the delay's buckets");
        Thread.sleep(1200);
        double stall = PrometheusText.sum(metrics(), "signer_event_loop_stall_seconds");
        assertTrue(stall < 0.5, "stall once the loop runs again: " + stall + " s");
    }

    @Test
    void pathsThatStrangersMakeUpGrowNoMetricSeries() throws Exception {
        long seriesBefore = metrics().lines().filter(line -> !line.startsWith("#")).count();
        for (int i = 0; i < 30; i++) {
            String path = "probe-" + UUID.randomUUID();
            // A gRPC call to a method that does not exist, and a plain HTTP/1.1 request, which the gRPC port does not speak.
            Status status = RawGrpc.call(url, path + "/Method", SignRegistrationRequest.getDefaultInstance(), Map.of());
            assertEquals(Status.Code.UNIMPLEMENTED, status.getCode(), status.toString());
            assertThrows(Exception.class, () -> Http.localhost(url.getPort()).get("/" + path));
            assertFalse(metrics().contains(path), "a requested path became a metric tag");
        }
        String after = metrics();
        assertFalse(after.contains("http_server_requests"), "the HTTP server binder is on");
        // Other meters may appear meanwhile (JVM, pools), but not one per path.
        assertTrue(after.lines().filter(line -> !line.startsWith("#")).count() < seriesBefore + 30);
    }
}
