package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.util.concurrent.ListenableFuture;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.trace.v1.Span;
import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.OtlpReceiver;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * Traces of the packaged service, exported over OTLP/HTTP to a receiver of the test's own: each
 * call is a server span that continues the caller's traceparent, with a client span for each Redis
 * command it caused (pipelined or not); trace ids in the log lines, the audit line included; no
 * secret, token or signature in a span. Without an endpoint tracing is off: nothing is exported,
 * and nothing said about it.
 */
class TracingIT {

    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    @Test
    void aCallContinuesTheCallersTraceWithAChildSpanForEachRedisCommand() throws Exception {
        withTracedService("tracing-service", Map.of(), (service, channel, receiver, redis) -> {
            String traceId = hex(16);
            String callerSpanId = hex(8);
            SignRegistrationResponse signed = stub(channel, traceId, callerSpanId).signRegistration(sign("traced-user"));
            String token = stub(channel, hex(16), hex(8)).issueRegistrationToken(IssueRegistrationTokenRequest
                    .newBuilder().setUserId("traced-user").setApplicationKey(TestApplication.VECTOR.key()).build())
                    .getToken();

            List<Span> trace = awaitTrace(receiver, traceId, span -> span.getName().equals("INCR"));
            Span server = trace.stream()
                    .filter(span -> span.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                            && OtlpReceiver.hex(span.getParentSpanId().toByteArray()).equals(callerSpanId))
                    .findFirst().orElseThrow(() -> new AssertionError("no server span continues the caller's span: " + names(trace)));
            assertEquals("signer.v1.RegistrationSigner/SignRegistration", server.getName());
            assertEquals(1, trace.stream().filter(span -> span.getKind() == Span.SpanKind.SPAN_KIND_SERVER).count(),
                    "one server span per call: " + names(trace));
            Span incr = only(trace, "INCR");
            Span eval = only(trace, "EVAL");
            for (Span redisSpan : List.of(incr, eval)) {
                assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, redisSpan.getKind());
                assertEquals("redis", OtlpReceiver.attribute(redisSpan, "db.system.name"));
                assertTrue(descendsFrom(redisSpan, server, trace), redisSpan.getName() + " is not under the call's span: " + names(trace));
            }
            System.out.println("trace of a call: " + names(trace));

            // Nothing secret in any span of the run.
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> receiver.spans().size() > trace.size());
            List<String> secrets = new ArrayList<>(List.of(TestApplication.VECTOR.secret(), TestCaller.BACKEND.token(),
                    signed.getSignature(), token, token.substring(token.lastIndexOf('.') + 1)));
            for (Span span : receiver.spans()) {
                String all = OtlpReceiver.everything(span);
                for (String secret : secrets) {
                    assertFalse(all.contains(secret), "a span carries a secret, token or signature: " + all);
                }
            }

            // The log lines of the call, the audit line included, name its trace.
            String log = Files.readString(service.log());
            assertTrue(log.lines().anyMatch(line -> line.contains("[signer.audit]") && line.contains("user=traced-user")
                    && line.contains("traceId=" + traceId)), "no audit line with the trace id:\n" + log);
            // Lines written outside any call carry no trace field, not even an empty one.
            List<String> startUp = log.lines().filter(line -> line.contains("Started gRPC server on")
                    || line.contains(") started in ")).toList();
            assertEquals(2, startUp.size(), log);
            assertTrue(startUp.stream().noneMatch(line -> line.contains("traceId") || line.contains("spanId")), log);
        });
    }

    @Test
    void jsonLogLinesCarryTheTraceIdsToo() throws Exception {
        withTracedService("tracing-json-service", Map.of("quarkus.log.console.json.enabled", "true"), (service, channel, receiver, redis) -> {
            String traceId = hex(16);
            stub(channel, traceId, hex(8)).signRegistration(sign("json-user"));
            ObjectMapper json = new ObjectMapper();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(service.log()).contains(traceId));
            JsonNode audit = null;
            for (String line : Files.readAllLines(service.log())) {
                if (line.startsWith("{") && line.contains("\"signer.audit\"")) {
                    audit = json.readTree(line);
                }
            }
            assertNotNull(audit, "no JSON audit line");
            assertEquals(traceId, audit.path("mdc").path("traceId").asText(), audit.toString());
            assertEquals(16, audit.path("mdc").path("spanId").asText().length(), audit.toString());
            // The audit fields are JSON fields too, with the values the line's text gives them.
            JsonNode mdc = audit.path("mdc");
            for (String field : List.of("caller", "application", "user", "scheme", "credential", "outcome")) {
                assertTrue(mdc.hasNonNull(field), field + " missing: " + audit);
                assertTrue(audit.path("message").asText().contains(" " + field + "=" + mdc.path(field).asText()), audit.toString());
            }
            assertEquals("json-user", mdc.path("user").asText(), audit.toString());
        });
    }

    /**
     * A call that runs out of time is recorded on its own context: its audit line names its trace,
     * or none when grpc-java's own deadline ended the call (and with it the server span, whose end
     * takes the trace ids out of the log context) before the service's timer; never another call's.
     */
    @Test
    void theAuditLineOfACallThatRanOutOfTimeNamesNoOtherTrace() throws Exception {
        withTracedService("tracing-deadline-service", Map.of(), (service, channel, receiver, redis) -> {
            stub(channel, hex(16), hex(8)).signRegistration(sign("on-time-user"));
            String traceId = hex(16);
            // Redis busy for a second: the call's deadline passes while it waits.
            CompletableFuture<Void> busy = CompletableFuture.runAsync(() -> redis.command("DEBUG", "SLEEP", "1"));
            Thread.sleep(200);
            StatusRuntimeException late = assertThrows(StatusRuntimeException.class, () -> stub(channel, traceId, hex(8))
                    .withDeadlineAfter(300, TimeUnit.MILLISECONDS).signRegistration(sign("late-user")));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, late.getStatus().getCode());
            busy.get(10, TimeUnit.SECONDS);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(service.log()).contains("user=late-user"));
            String audit = Files.readAllLines(service.log()).stream()
                    .filter(line -> line.contains("[signer.audit]") && line.contains("user=late-user")).findFirst().orElseThrow();
            assertTrue(audit.contains("outcome=deadline_exceeded"), audit);
            assertTrue(audit.contains("traceId=" + traceId + " ") || !audit.contains("traceId="), audit);
        });
    }

    @Test
    void pipelinedCommandsEachGetASpanInTheirOwnCallsTrace() throws Exception {
        withTracedService("tracing-pipeline-service", Map.of(), (service, channel, receiver, redis) -> {
            Map<String, ListenableFuture<SignRegistrationResponse>> calls = new HashMap<>();
            for (int i = 0; i < 32; i++) {
                String traceId = hex(16);
                calls.put(traceId, RegistrationSignerGrpc.newFutureStub(channel)
                        .withInterceptors(TestCaller.BACKEND.credentials(),
                                TestCaller.headers("traceparent", "00-" + traceId + "-" + hex(8) + "-01"))
                        .withDeadlineAfter(10, TimeUnit.SECONDS).signRegistration(sign("pipelined-user")));
            }
            for (ListenableFuture<SignRegistrationResponse> call : calls.values()) {
                call.get(10, TimeUnit.SECONDS);
            }
            for (String traceId : calls.keySet()) {
                List<Span> trace = awaitTrace(receiver, traceId, span -> span.getName().equals("INCR"));
                assertEquals(1, trace.stream().filter(span -> span.getName().equals("INCR")).count(), names(trace));
            }
            // And each call's audit line names its own trace, not that of the call that sent the batch.
            List<String> log = Files.readAllLines(service.log());
            for (Map.Entry<String, ListenableFuture<SignRegistrationResponse>> call : calls.entrySet()) {
                String credential = "user=pipelined-user scheme=legacy credential=" + call.getValue().get().getSequence() + " ";
                String audit = log.stream().filter(line -> line.contains("[signer.audit]") && line.contains(credential))
                        .findFirst().orElseThrow(() -> new AssertionError("no audit line with " + credential));
                assertTrue(audit.contains("traceId=" + call.getKey()), audit);
            }
        });
    }

    @Test
    void withoutAnEndpointNothingIsTracedExportedOrLogged() throws Exception {
        // A receiver where the exporter would send by default (OTLP/gRPC on 4317), when the port is free.
        Optional<OtlpReceiver> onDefaultPort = Optional.empty();
        try {
            onDefaultPort = Optional.of(OtlpReceiver.start(4317));
        } catch (RuntimeException portTaken) {
            // the log is then the only witness
        }
        try (RedisProcess redis = RedisProcess.server(dir.resolve("redis"))) {
            Map<String, String> config = config(redis);
            config.put("quarkus.otel.bsp.schedule.delay", "100ms");
            try (ServiceProcess service = ServiceProcess.startWithVector("untraced-service", config)) {
                ManagedChannel channel = GrpcChannels.open(service.url());
                try {
                    String traceId = hex(16);
                    for (int i = 0; i < 5; i++) {
                        stub(channel, traceId, hex(8)).signRegistration(sign("untraced-user"));
                    }
                    Thread.sleep(1500);
                    String log = Files.readString(service.log());
                    assertFalse(log.toLowerCase().contains("export"), log);
                    assertFalse(log.contains("4317"), log);
                    assertFalse(log.contains(traceId), "tracing is off without an endpoint: " + log);
                    assertFalse(log.contains("traceId") || log.contains("spanId"), "an empty trace field: " + log);
                    onDefaultPort.ifPresent(receiver -> assertEquals(0, receiver.requests(), "exported to the default endpoint"));
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        } finally {
            onDefaultPort.ifPresent(OtlpReceiver::close);
        }
    }

    /** What a test does with a traced service, its channel, the receiver of its spans and its Redis. */
    @FunctionalInterface
    private interface Scenario {
        void run(ServiceProcess service, ManagedChannel channel, OtlpReceiver receiver, RedisProcess redis) throws Exception;
    }

    /** The packaged service on a Redis of its own, exporting over OTLP/HTTP to a receiver of the test's. */
    private void withTracedService(String name, Map<String, String> extra, Scenario scenario) throws Exception {
        try (RedisProcess redis = RedisProcess.server(dir.resolve("redis"));
                OtlpReceiver receiver = OtlpReceiver.start(0)) {
            Map<String, String> config = config(redis);
            config.put("quarkus.otel.exporter.otlp.endpoint", receiver.endpoint());
            config.put("quarkus.otel.exporter.otlp.protocol", "http/protobuf");
            config.put("quarkus.otel.bsp.schedule.delay", "100ms");
            config.putAll(extra);
            try (ServiceProcess service = ServiceProcess.startWithVector(name, config)) {
                ManagedChannel channel = GrpcChannels.open(service.url());
                try {
                    scenario.run(service, channel, receiver, redis);
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static Map<String, String> config(RedisProcess redis) {
        Map<String, String> config = new HashMap<>();
        Map<Object, Object> caller = new HashMap<>();
        TestCaller.BACKEND.putInto(caller);
        caller.forEach((key, value) -> config.put(key.toString(), value.toString()));
        config.put("quarkus.redis.hosts", redis.uri());
        // A rate limit, so that a call causes two Redis commands: the budget's script and the INCR.
        config.put("signer.rate-limit.per-user.limit", "1000");
        return config;
    }

    private static RegistrationSignerGrpc.RegistrationSignerBlockingStub stub(ManagedChannel channel, String traceId, String spanId) {
        return RegistrationSignerGrpc.newBlockingStub(channel)
                .withInterceptors(TestCaller.BACKEND.credentials(),
                        TestCaller.headers("traceparent", "00-" + traceId + "-" + spanId + "-01"))
                .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static SignRegistrationRequest sign(String userId) {
        return SignRegistrationRequest.newBuilder().setUserId(userId).setApplicationKey(TestApplication.VECTOR.key()).build();
    }

    private static List<Span> awaitTrace(OtlpReceiver receiver, String traceId, java.util.function.Predicate<Span> complete) {
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> receiver.requests() > 0);
        assertEquals(List.of(), receiver.errors(), "the receiver could not decode what was exported");
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> receiver.spansOfTrace(traceId).stream().anyMatch(complete));
        // The server span ends after its children: let it arrive too.
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> receiver.spansOfTrace(traceId).stream().anyMatch(span -> span.getKind() == Span.SpanKind.SPAN_KIND_SERVER));
        return receiver.spansOfTrace(traceId);
    }

    private static Span only(List<Span> trace, String name) {
        List<Span> named = trace.stream().filter(span -> span.getName().equals(name)).toList();
        assertEquals(1, named.size(), name + " spans: " + names(trace));
        return named.get(0);
    }

    private static boolean descendsFrom(Span span, Span ancestor, List<Span> trace) {
        Map<String, Span> byId = trace.stream().collect(Collectors.toMap(s -> OtlpReceiver.hex(s.getSpanId().toByteArray()), s -> s));
        Span current = span;
        for (int depth = 0; current != null && depth < 20; depth++) {
            String parent = OtlpReceiver.hex(current.getParentSpanId().toByteArray());
            if (parent.equals(OtlpReceiver.hex(ancestor.getSpanId().toByteArray()))) {
                return true;
            }
            current = byId.get(parent);
        }
        return false;
    }

    private static String names(List<Span> trace) {
        return trace.stream().map(span -> span.getName() + "(" + span.getKind().name().replace("SPAN_KIND_", "").toLowerCase() + ")")
                .collect(Collectors.joining(", "));
    }

    private static String hex(int bytes) {
        byte[] id = new byte[bytes];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }
}
