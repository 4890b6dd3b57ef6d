package io.registrationsigner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.registrationsigner.deploy.AlertsAndDashboardTest.alertExpressions;
import static io.registrationsigner.deploy.AlertsAndDashboardTest.dashboardExpressions;
import static io.registrationsigner.deploy.AlertsAndDashboardTest.family;
import static io.registrationsigner.deploy.AlertsAndDashboardTest.metricNames;
import static io.registrationsigner.deploy.AlertsAndDashboardTest.metricsIn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.registrationsigner.api.v1.LegacyCredential;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.testing.Http;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * The metric names that the alerts, the dashboard and docs/operations.md use, against the
 * packaged service's /q/metrics. A process of its own: in the tests' JVM, Quarkus' restarts leave
 * meters of earlier applications in the registry, reading objects that are gone.
 */
@QuarkusIntegrationTest
@WithTestResource(value = SignerTestResource.class, initArgs = @ResourceArg(name = SignerTestResource.AUTH, value = "callers"))
class MetricNamesIT extends ServiceTestBase {

    private static final Path OPERATIONS_GUIDE = Path.of("docs", "operations.md");
    /** A metric name of the guide: the prefixes of the service's, the JVM's, Quarkus' and its libraries' metrics; a family ends with *. */
    private static final Pattern DOCUMENTED_METRIC = Pattern.compile(
            "\\b(?:signer|jvm|process|system|grpc|netty|redis|http|vertx)_[a-zA-Z0-9_]*\\*?");
    /** Named in the guide as not there: only notification listeners of Micrometer, which the service does not have, make them. */
    private static final Set<String> NOT_SERVED = Set.of("jvm_gc_pause_seconds_max", "jvm_gc_overhead", "jvm_memory_usage_after_gc",
            "jvm_gc_memory_allocated_bytes_total", "jvm_gc_memory_promoted_bytes_total");
    /** Made only for a concurrent collector (ZGC, Shenandoah, G1 from JDK 20 on), which the tests' JVM may not run. */
    private static final Set<String> ONLY_WITH_A_CONCURRENT_COLLECTOR = Set.of("jvm_gc_concurrent_phase_time_seconds");

    @Test
    void everyMetricOfTheAlertsAndTheDashboardIsServedAndEveryMetricOfTheServiceIsOnTheDashboard() throws Exception {
        // A credential, a verification and a refused call, so that their labelled series exist.
        SignRegistrationResponse signed = backend().signRegistration(SignRegistrationRequest.newBuilder()
                .setUserId("monitored-user").setApplicationKey(TestApplication.VECTOR.key()).build());
        backend().verifyRegistration(VerifyRegistrationRequest.newBuilder().setUserId("monitored-user")
                .setApplicationKey(TestApplication.VECTOR.key())
                .setLegacy(LegacyCredential.newBuilder().setSequence(signed.getSequence()).setSignature(signed.getSignature()))
                .build());
        try {
            signer(10).withInterceptors(TestCaller.headers("authorization", "Bearer not-a-caller-token"))
                    .signRegistration(SignRegistrationRequest.newBuilder().setUserId("monitored-user").build());
        } catch (StatusRuntimeException expected) {
            // counted in signer_auth_failures_total
        }
        // and a transport warning, counted in signer_transport_warnings_total as it is logged: the gRPC port does not speak HTTP/1.1
        assertThrows(Exception.class, () -> Http.localhost(url.getPort()).get("/monitored"));
        Set<String> served = metricNames(metrics());
        for (int retry = 0; retry < 50 && !served.contains("signer_transport_warnings_total"); retry++) {
            Thread.sleep(200);
            served = metricNames(metrics());
        }

        Set<String> used = new TreeSet<>();
        for (String expr : alertExpressions()) {
            used.addAll(metricsIn(expr));
        }
        Set<String> onDashboard = new TreeSet<>();
        for (String expr : dashboardExpressions()) {
            onDashboard.addAll(metricsIn(expr));
        }
        used.addAll(onDashboard);

        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(served);
        assertEquals(Set.of(), missing, "used by the alerts or the dashboard, not in /q/metrics");
        Set<String> notShown = new TreeSet<>();
        for (String name : served) {
            if (name.startsWith("signer_") && onDashboard.stream().noneMatch(shown -> family(shown).equals(family(name)))) {
                notShown.add(name);
            }
        }
        assertEquals(Set.of(), notShown, "the service's own metrics that no dashboard panel shows");
        assertTrue(used.contains("signer_redis_up") && used.contains("signer_redis_command_seconds_bucket")
                && used.contains("signer_redis_pipeline_batch_bucket") && used.contains("signer_auth_failures_total"), used.toString());
    }

    @Test
    void theOperationsGuideNamesOnlyMetricsTheServiceExports() throws Exception {
        // The series that appear with their first event: a credential, a verification, a refused call,
        // a transport warning (the gRPC port does not speak HTTP/1.1).
        SignRegistrationResponse signed = backend().signRegistration(SignRegistrationRequest.newBuilder()
                .setUserId("documented-user").setApplicationKey(TestApplication.VECTOR.key()).build());
        backend().verifyRegistration(VerifyRegistrationRequest.newBuilder().setUserId("documented-user")
                .setApplicationKey(TestApplication.VECTOR.key())
                .setLegacy(LegacyCredential.newBuilder().setSequence(signed.getSequence()).setSignature(signed.getSignature()))
                .build());
        assertThrows(StatusRuntimeException.class, () -> signer(10)
                .withInterceptors(TestCaller.headers("authorization", "Bearer not-a-caller-token"))
                .signRegistration(SignRegistrationRequest.newBuilder().setUserId("documented-user").build()));
        assertThrows(Exception.class, () -> Http.localhost(url.getPort()).get("/documented"));

        String text = Files.readString(OPERATIONS_GUIDE);
        Set<String> documented = new TreeSet<>();
        Matcher name = DOCUMENTED_METRIC.matcher(text);
        while (name.find()) {
            documented.add(name.group());
        }
        assertTrue(documented.containsAll(List.of("signer_credentials_total", "jvm_gc_pause_seconds", "process_cpu_usage")),
                documented.toString());
        Set<String> missing = new TreeSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        do {
            Set<String> served = metrics().lines().filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .map(line -> line.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
            missing.clear();
            for (String documentedName : documented) {
                boolean isServed = documentedName.endsWith("*")
                        ? served.stream().anyMatch(s -> s.startsWith(documentedName.substring(0, documentedName.length() - 1)))
                        : Stream.of("", "_total", "_count", "_sum", "_bucket", "_max").anyMatch(s -> served.contains(documentedName + s));
                if (NOT_SERVED.contains(documentedName)) {
                    assertFalse(isServed, documentedName + " is served, but the guide says it is not");
                } else if (!isServed && !ONLY_WITH_A_CONCURRENT_COLLECTOR.contains(documentedName)) {
                    missing.add(documentedName);
                }
            }
            // The transport warning is counted as it is logged, a moment after the answer.
        } while (!missing.isEmpty() && System.nanoTime() < deadline && sleep(200));
        assertEquals(Set.of(), missing, "named in " + OPERATIONS_GUIDE + ", not in /q/metrics");
    }

    private static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }

    private io.registrationsigner.api.v1.RegistrationSignerGrpc.RegistrationSignerBlockingStub backend() {
        return signer(10).withInterceptors(TestCaller.BACKEND.credentials());
    }

    @Override
    protected int managementPort() {
        return io.registrationsigner.testing.LogScan.packagedServiceManagementPort();
    }
}
