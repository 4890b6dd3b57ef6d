package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.testing.ContainerJvm;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.Http;
import io.registrationsigner.testing.Http2Wire;
import io.registrationsigner.testing.PrometheusText;
import io.registrationsigner.testing.RawGrpc;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * What anonymous clients can do to the packaged service, in the JVM and memory of its container
 * (Dockerfile.jvm's options, the Deployment's limit), with the shipped limits: each attack is
 * made on loopback in bounded loops, and throughout it a known caller on a connection of its own
 * is answered within a second, the service stays alive, its log grows by little and its peak
 * resident memory stays under the container's limit.
 */
class HostileConnectionsIT {

    private static final String CHECK = "/grpc.health.v1.Health/Check";
    private static final String SIGN = "/signer.v1.RegistrationSigner/SignRegistration";
    /** The log may grow by this much per attack: a few throttled lines, whatever the attack's size. */
    private static final long LOG_BUDGET = 64 * 1024;

    private static RedisProcess redis;
    private static ServiceProcess service;
    private static ManagedChannel caller;
    private static int calls;
    private long logBefore;

    @BeforeAll
    static void start() {
        Map<Object, Object> callers = new HashMap<>();
        TestCaller.BACKEND.putInto(callers);
        Map<String, String> config = new HashMap<>();
        callers.forEach((key, value) -> config.put((String) key, (String) value));
        config.put("signer.auth.allow-anonymous", "false");
        redis = RedisProcess.server(Path.of("target", "test-resources", "hostile-connections-" + UUID.randomUUID()));
        config.put("quarkus.redis.hosts", redis.uri());
        service = ServiceProcess.startWithVector("hostile-connections", config, ContainerJvm.options());
        caller = GrpcChannels.open(service.url());
        assertAnswered();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (caller != null) {
            caller.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (service != null) {
            long peak = service.peakResidentBytes();
            service.close();
            System.out.printf("hostile connections: peak resident memory %d MiB of the container's %d MiB%n", peak >> 20,
                    ContainerJvm.memoryLimitMiB());
            assertTrue(peak < (long) ContainerJvm.memoryLimitMiB() << 20, "peak RSS " + (peak >> 20) + " MiB");
        }
        redis.close();
    }

    @BeforeEach
    void logSize() throws IOException {
        logBefore = Files.size(service.log());
    }

    @AfterEach
    void theServiceLivesAnswersAndLogsLittle(TestInfo test) throws IOException, InterruptedException {
        assertTrue(service.awaitExit(Duration.ZERO).isEmpty(), "the service died");
        assertAnswered();
        long grown = Files.size(service.log()) - logBefore;
        System.out.printf("%s: log +%d bytes, resident memory %d MiB%n", test.getDisplayName(), grown,
                service.residentBytes() >> 20);
        assertTrue(grown < LOG_BUDGET, "the log grew by " + grown + " bytes");
    }

    @Test
    void streamsOverTheConcurrentCallsOfAConnectionAreRefusedAndTheConnectionClosed() throws Exception {
        double failedBefore = failedConnections();
        try (Http2Wire wire = Http2Wire.connect(service.url())) {
            assertEquals(128, wire.serverSetting(Http2Wire.SETTINGS_MAX_CONCURRENT_STREAMS).orElse(Integer.MAX_VALUE));
            int streams = writeUntilClosed(wire, 20_000, i -> wire.headers(1 + 2 * i, CHECK, Map.of(), false));
            assertTrue(wire.awaitClosed(Duration.ofSeconds(10)), "still open after " + streams + " streams");
            System.out.printf("streams that never end: %d sent, %d refused, then GOAWAY %s%n", streams,
                    wire.received(Http2Wire.RST_STREAM), wire.goAwayError());
            // Refused from the 129th on; how many of the refusals arrive before the reset that ends the connection varies.
            assertTrue(wire.received(Http2Wire.RST_STREAM) > 0, "none refused");
            assertToldToCalmDown(wire, failedBefore);
        }
    }

    @Test
    void halfSentRequestsHoldNoMoreThanTheirBound() throws Exception {
        // 40 connections of 128 streams, each with 16,000 bytes of a 16 KiB message: 78 MiB, five
        // times the 16 MiB that unfinished requests may hold, over the 64 MiB of direct memory.
        double refusedBefore = PrometheusText.value(metrics(), "signer_requests_refused_total",
                Map.of("reason", "unfinished_requests"));
        List<Http2Wire> wires = new ArrayList<>();
        int sent = 0;
        try {
            for (int c = 0; c < 40; c++) {
                Http2Wire wire = Http2Wire.connect(service.url());
                wires.add(wire);
                for (int s = 0; s < 128 && !wire.isClosed(); s++) {
                    wire.headers(1 + 2 * s, SIGN, Map.of(), false);
                    if (wire.message(1 + 2 * s, 16 * 1024, 16_000, false)) {
                        sent++;
                    }
                }
                wire.flush();
                assertAnswered();
            }
            // A new connection is served while the others hold what they sent.
            ManagedChannel fresh = GrpcChannels.open(service.url());
            try {
                for (int i = 0; i < 20; i++) {
                    sign(fresh);
                }
            } finally {
                fresh.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
            int reset = wires.stream().mapToInt(wire -> wire.received(Http2Wire.RST_STREAM)).sum();
            long closed = wires.stream().filter(Http2Wire::isClosed).count();
            double refused = PrometheusText.value(metrics(), "signer_requests_refused_total",
                    Map.of("reason", "unfinished_requests")) - refusedBefore;
            System.out.printf("half-sent requests: %d of 16,000 bytes sent on 40 connections, %d streams reset, %d connections"
                    + " closed; resident memory %d MiB%n", sent, reset, closed, service.residentBytes() >> 20);
            assertEquals(0, closed, "connections closed: the direct memory ran out");
            // 16 MiB hold 1,048 such requests.
            assertTrue(sent - reset <= 1_048 && refused >= sent - 1_048, sent + " sent, " + reset + " reset, " + refused + " refused");
        } finally {
            wires.forEach(Http2Wire::close);
        }
    }

    @Test
    void healthWatchesAreBoundedPerConnection() throws Exception {
        ManagedChannel channel = GrpcChannels.open(service.url());
        BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        try {
            for (int i = 0; i < 10; i++) {
                watch(channel, answers);
            }
            List<Object> all = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Object answer = answers.poll(10, TimeUnit.SECONDS);
                all.add(answer == null ? "nothing in 10 s" : answer);
            }
            long watching = all.stream().filter(HealthCheckResponse.ServingStatus.SERVING::equals).count();
            long refused = all.stream().filter(answer -> answer instanceof Status status
                    && status.getCode() == Status.Code.RESOURCE_EXHAUSTED
                    && status.getDescription().contains("health watches open")).count();
            assertEquals(4, watching, all.toString());
            assertEquals(6, refused, all.toString());
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void healthWatchesAreBoundedOnTheWholePort() throws Exception {
        // 260 connections of 4 watches each: 1,040, over the port's 1,024.
        List<ManagedChannel> channels = new ArrayList<>();
        BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        try {
            for (int c = 0; c < 260; c++) {
                ManagedChannel channel = GrpcChannels.open(service.url());
                channels.add(channel);
                for (int i = 0; i < 4; i++) {
                    watch(channel, answers);
                }
            }
            Map<Object, Integer> counted = new HashMap<>();
            for (int i = 0; i < 1_040; i++) {
                Object answer = answers.poll(20, TimeUnit.SECONDS);
                Object kind = answer instanceof Status status ? status.getCode() + ": " + status.getDescription()
                        : answer == null ? "nothing in 20 s" : answer;
                counted.merge(kind, 1, Integer::sum);
            }
            assertEquals(Map.of(HealthCheckResponse.ServingStatus.SERVING, 1_024, "RESOURCE_EXHAUSTED: the service has its 1024"
                    + " health watches open (signer.server.limits.max-health-watches); use Check", 16), counted);
        } finally {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow();
            }
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    /** A Watch of the whole server: its first status, or the status it failed with, goes to {@code answers}. */
    private static void watch(ManagedChannel channel, BlockingQueue<Object> answers) {
        HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
            private boolean answered;

            @Override
            public void onNext(HealthCheckResponse response) {
                if (!answered) {
                    answered = true;
                    answers.add(response.getStatus());
                }
            }

            @Override
            public void onError(Throwable t) {
                if (!answered) {
                    answered = true;
                    answers.add(Status.fromThrowable(t));
                }
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    @Test
    void malformedTimeoutsAndCompressedFlagsGetTheStatusesOfTheErrorModel() throws Exception {
        byte[] request = SignRegistrationRequest.newBuilder().setUserId("timeouts").build().toByteArray();
        for (String timeout : List.of("abc", "-5S", "123456789S", "5", "1.5S")) {
            Status status = RawGrpc.call(service.url(), SIGN.substring(1), request, Map.of("grpc-timeout", timeout));
            assertEquals(Status.Code.INTERNAL, status.getCode(), timeout + ": " + status);
            assertTrue(status.getDescription().startsWith("the grpc-timeout header must be"), status.toString());
        }
        for (String timeout : List.of("0n", "00000000S")) {
            Status status = RawGrpc.call(service.url(), SIGN.substring(1), request, Map.of("grpc-timeout", timeout));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, status.getCode(), timeout + ": " + status);
        }
        // The compressed flag under grpc-encoding identity: INTERNAL, as gRPC's compression spec requires.
        for (Map<String, String> identity : List.of(Map.<String, String>of(), Map.of("grpc-encoding", "identity"))) {
            Status status = RawGrpc.callFlaggedCompressed(service.url(), SIGN.substring(1), request, identity);
            assertEquals(Status.Code.INTERNAL, status.getCode(), identity + ": " + status);
        }
        // 5,000 such calls on one connection, 100 at a time (under its 128 concurrent calls).
        try (Http2Wire wire = Http2Wire.connect(service.url())) {
            for (int batch = 0; batch < 50; batch++) {
                for (int i = 0; i < 100; i++) {
                    wire.headers(1 + 2 * (batch * 100 + i), SIGN, Map.of("grpc-timeout", "abc"), true);
                }
                wire.flush();
                int answered = (batch + 1) * 100;
                awaitTrue(() -> wire.received(Http2Wire.HEADERS) >= answered, Duration.ofSeconds(10),
                        () -> "answered: " + wire.received(Http2Wire.HEADERS));
            }
            assertEquals(0, wire.received(Http2Wire.RST_STREAM), "streams reset");
        }
    }

    @Test
    void rapidResetIsToldToGoAway() throws Exception {
        double failedBefore = failedConnections();
        try (Http2Wire wire = Http2Wire.connect(service.url())) {
            int pairs = writeUntilClosed(wire, 100_000, i -> {
                wire.headers(1 + 2 * i, CHECK, Map.of(), false);
                wire.reset(1 + 2 * i, Http2Wire.CANCEL);
            });
            assertTrue(wire.awaitClosed(Duration.ofSeconds(10)), "still open after " + pairs + " resets");
            System.out.printf("rapid reset: connection closed after %d resets, GOAWAY %s%n", pairs, wire.goAwayError());
            assertToldToCalmDown(wire, failedBefore);
        }
    }

    @Test
    void pingsWithoutCallsAreToldToGoAway() throws Exception {
        try (Http2Wire wire = Http2Wire.connect(service.url())) {
            int pings = 0;
            // One at a time, read before the next: GOAWAY is then read before the connection closes.
            for (; pings < 20 && wire.goAwayError().isEmpty() && !wire.isClosed(); pings++) {
                wire.ping(pings);
                wire.flush();
                Thread.sleep(50);
            }
            assertTrue(wire.awaitClosed(Duration.ofSeconds(10)), "still open after " + pings + " PINGs");
            System.out.printf("PINGs without calls: GOAWAY %s after %d%n", wire.goAwayError(), pings);
            assertEquals(Http2Wire.ENHANCE_YOUR_CALM, wire.goAwayError().orElse(-1), "after " + pings + " PINGs");
            assertTrue(pings <= 5, pings + " PINGs before GOAWAY");
        }
    }

    @Test
    void aFloodOfWindowUpdatesIsToldToGoAway() throws Exception {
        try (Http2Wire wire = Http2Wire.connect(service.url())) {
            int frames = writeUntilClosed(wire, 200_000, i -> wire.windowUpdate(0, 1));
            assertTrue(wire.awaitClosed(Duration.ofSeconds(10)), "still open after " + frames + " WINDOW_UPDATEs");
            assertTrue(wire.goAwayError().isEmpty() || wire.goAwayError().getAsInt() == Http2Wire.ENHANCE_YOUR_CALM,
                    "GOAWAY " + wire.goAwayError());
        }
        assertTrue(PrometheusText.value(metrics(), "signer_connections_closed_total", Map.of("reason", "control_frames")) >= 1);
    }

    @Test
    void idleAndHalfOpenConnectionsAreClosedWithinSeconds() throws Exception {
        // 600 connections, over the 512 the port takes: idle, half a preface, or half a HEADERS frame.
        List<Http2Wire> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Http2Wire halfHeaders = Http2Wire.connect(service.url());
                halfHeaders.partialHeaders(1, CHECK);
                idle.add(halfHeaders);
            }
            for (int i = 0; i < 200; i++) {
                idle.add(Http2Wire.tcp(service.url()));
                Http2Wire halfPreface = Http2Wire.tcp(service.url());
                idle.add(halfPreface);
                try {
                    halfPreface.partialPreface(12);
                } catch (IOException closedOverTheLimit) {
                    // as the test expects of the connections over 512
                }
            }
            assertAnswered();
            long start = System.nanoTime();
            awaitTrue(() -> idle.stream().allMatch(Http2Wire::isClosed), Duration.ofSeconds(15),
                    () -> idle.stream().filter(wire -> !wire.isClosed()).count() + " of 600 still open");
            System.out.printf("idle and half-open connections: the last of 600 closed %d ms after the last was opened;"
                    + " half a HEADERS frame: %s ms; nothing sent: %s ms; half a preface: %s ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), closedAfter(idle.subList(0, 200), start),
                    closedAfter(idle.subList(200, 600).stream().filter(wire -> idle.indexOf(wire) % 2 == 0).toList(), start),
                    closedAfter(idle.subList(200, 600).stream().filter(wire -> idle.indexOf(wire) % 2 == 1).toList(), start));
        } finally {
            idle.forEach(Http2Wire::close);
        }
        String metrics = metrics();
        assertTrue(PrometheusText.value(metrics, "signer_connections_closed_total", Map.of("reason", "over_limit")) >= 88,
                metrics);
        assertTrue(PrometheusText.value(metrics, "signer_connections_closed_total", Map.of("reason", "no_call")) >= 200,
                metrics);
        // A new connection is taken again.
        ManagedChannel fresh = GrpcChannels.open(service.url());
        try {
            sign(fresh);
        } finally {
            fresh.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The service sent GOAWAY ENHANCE_YOUR_CALM and closed the connection. The frame itself may not
     * reach a client whose flood the service left unread: the closing socket then resets the
     * connection, and the reset discards what the client had not read yet. grpc-java's note on the
     * failed connection is counted either way.
     */
    private static void assertToldToCalmDown(Http2Wire wire, double failedBefore) throws InterruptedException {
        assertTrue(wire.goAwayError().isEmpty() || wire.goAwayError().getAsInt() == Http2Wire.ENHANCE_YOUR_CALM,
                "GOAWAY " + wire.goAwayError());
        awaitTrue(() -> failedConnections() > failedBefore, Duration.ofSeconds(5), () -> "no failed connection counted");
    }

    private static double failedConnections() {
        return PrometheusText.value(metrics(), "signer_transport_warnings_total",
                Map.of("logger", "io.grpc.netty.NettyServerTransport.connections"));
    }

    /** The range of when these connections closed, in ms after {@code start}. */
    private static String closedAfter(List<Http2Wire> wires, long start) {
        LongSummaryStatistics millis = wires.stream()
                .mapToLong(wire -> TimeUnit.NANOSECONDS.toMillis(wire.closedAt() - start)).summaryStatistics();
        return millis.getMin() + " to " + millis.getMax();
    }

    /** Writes frames until {@code count} are written or the service closes the connection: how many were written. */
    private static int writeUntilClosed(Http2Wire wire, int count, Frames frames) {
        int written = 0;
        try {
            for (; written < count && !wire.isClosed(); written++) {
                frames.write(written);
                if (written % 500 == 499) {
                    wire.flush();
                }
            }
            wire.flush();
        } catch (IOException closedByTheService) {
            // what the test waits for
        }
        return written;
    }

    @FunctionalInterface
    private interface Frames {
        void write(int index) throws IOException;
    }

    /** The known caller, on its own connection, is answered within a second. */
    private static void assertAnswered() {
        long start = System.nanoTime();
        sign(caller);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 1_000, "answered in " + millis + " ms");
    }

    private static void sign(ManagedChannel channel) {
        RegistrationSignerGrpc.newBlockingStub(channel).withInterceptors(TestCaller.BACKEND.credentials())
                .withDeadlineAfter(1, TimeUnit.SECONDS).signRegistration(SignRegistrationRequest.newBuilder()
                        .setUserId("known-caller-" + calls++).setApplicationKey(TestApplication.VECTOR.key()).build());
    }

    private static String metrics() {
        return Http.localhost(service.managementPort())
                .accept("text/plain; version=0.0.4").get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + state.get());
            }
            Thread.sleep(50);
        }
    }
}
