package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.RegistrationSignerGrpc.RegistrationSignerFutureStub;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.Load;
import io.registrationsigner.testing.Load.Result;
import io.registrationsigner.testing.LogScan;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;

/**
 * The audit log's promise: no credential reaches its caller before its audit line is written, so
 * that none is missing from the log whatever happens to the process afterwards. And the lines of
 * calls answered together are written together.
 */
class AuditLogIT {

    private static final Path DIR = Path.of("target", "test-resources", "audit-log-" + UUID.randomUUID());

    @Test
    void theAuditLinesOfCallsAnsweredTogetherLeaveInOneWrite() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("batched"));
                ServiceProcess service = ServiceProcess.startWithVector("batched-service",
                        Map.of("quarkus.redis.hosts", redis.uri()))) {
            ManagedChannel channel = GrpcChannels.open(service.url());
            try {
                RegistrationSignerFutureStub stub = RegistrationSignerGrpc.newFutureStub(channel);
                Load.run(2_000, 128, n -> stub, n -> "batched-" + (n % 16), Duration.ofSeconds(10));
                int calls = 5_000;
                long before = service.writeSystemCalls();
                List<Result> results = Load.run(calls, 128, n -> stub, n -> "batched-" + (n % 16), Duration.ofSeconds(10));
                long writes = service.writeSystemCalls() - before;
                assertEquals(Map.of(Status.Code.OK, calls), Load.codes(results));
                // One write per audit line would be at least one per call, before any answer is sent.
                assertTrue(writes < calls, writes + " write system calls for " + calls + " calls");
                assertTrue(LogScan.auditedSignatures(service.log()).containsAll(results.stream()
                        .map(r -> r.userId() + " " + r.sequence()).toList()), "an audit line is missing");
                System.out.printf("%d calls, 128 in flight: %d write system calls (%.2f per call), every audit line written%n",
                        calls, writes, (double) writes / calls);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void everyCredentialACallerGotHasItsAuditLineEvenWhenTheServiceIsKilled() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("killed"));
                ServiceProcess service = ServiceProcess.startWithVector("killed-service",
                        Map.of("quarkus.redis.hosts", redis.uri()))) {
            List<Result> results = killUnderLoad(service, () -> {
            });
            assertTrue(Load.codes(results).getOrDefault(Status.Code.OK, 0) > 100, Load.codes(results).toString());
            assertEveryCredentialAnsweredHasItsAuditLine(service, results, "killed under load");
        }
    }

    /**
     * A log collector that stops reading (the console pipe full) must stop the answers, not the
     * audit: here lines waiting in memory would be lost to the kill, while their calls were answered.
     */
    @Test
    void withTheConsoleStalledNoCredentialIsAnsweredWithoutItsAuditLine() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("stalled"));
                ServiceProcess service = ServiceProcess.startWithVectorOnAPipe("stalled-console-service",
                        Map.of("quarkus.redis.hosts", redis.uri()))) {
            List<Result> results = killUnderLoad(service, service::stallConsole);
            // What the pipe held when the process died is in the log too.
            service.resumeConsole();
            assertEveryCredentialAnsweredHasItsAuditLine(service, results, "console stalled, then killed under load");
        }
    }

    /**
     * Warms the service up, runs {@code beforeLoad}, then keeps 128 calls in flight until the
     * service is killed a second later; the calls of that second.
     */
    private static List<Result> killUnderLoad(ServiceProcess service, Runnable beforeLoad) throws Exception {
        ManagedChannel channel = GrpcChannels.open(service.url());
        try {
            RegistrationSignerFutureStub stub = RegistrationSignerGrpc.newFutureStub(channel);
            Load.run(2_000, 128, n -> stub, n -> "audited-" + (n % 16), Duration.ofSeconds(10));
            beforeLoad.run();
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<List<Result>> load = CompletableFuture.supplyAsync(() -> {
                Semaphore slots = new Semaphore(128);
                List<CompletableFuture<Result>> calls = new ArrayList<>();
                for (int n = 0; !stop.get(); n++) {
                    slots.acquireUninterruptibly();
                    calls.add(Load.sign(stub, "audited-" + (n % 16), Duration.ofSeconds(5))
                            .whenComplete((result, failure) -> slots.release()));
                }
                return calls.stream().map(CompletableFuture::join).toList();
            });
            Thread.sleep(1_000);
            service.kill();
            assertTrue(service.awaitExit(Duration.ofSeconds(10)).isPresent(), "the service did not exit");
            stop.set(true);
            List<Result> results = load.get(60, TimeUnit.SECONDS);
            assertTrue(Load.codes(results).containsKey(Status.Code.UNAVAILABLE), "no call was cut off by the kill: "
                    + Load.codes(results));
            return results;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void assertEveryCredentialAnsweredHasItsAuditLine(ServiceProcess service, List<Result> results,
            String what) {
        Set<String> audited = LogScan.auditedSignatures(service.log());
        List<String> answered = results.stream().filter(Result::ok).map(r -> r.userId() + " " + r.sequence()).toList();
        List<String> missing = answered.stream().filter(credential -> !audited.contains(credential)).toList();
        assertEquals(0, missing.size(), missing.size() + " of " + answered.size()
                + " credentials answered without an audit line, among them (user, sequence) "
                + missing.subList(0, Math.min(10, missing.size())));
        System.out.printf("%s: %d calls %s; every one of the %d credentials answered has its audit line%n", what,
                results.size(), Load.codes(results), answered.size());
    }
}
