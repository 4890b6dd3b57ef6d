package io.registrationsigner.packaged;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.RegistrationSignerGrpc.RegistrationSignerFutureStub;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.Http;
import io.registrationsigner.testing.Load.Result;
import io.registrationsigner.testing.Load;
import io.registrationsigner.testing.LogScan;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.TestApplication;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.GoAway;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;

/**
 * The one promise: a sequence is handed out once and only goes up. Real redis-server processes
 * and packaged service instances, flushed, killed with SIGKILL, restarted and shut down under load.
 */
class SequenceSafetyIT {

    private static final Path DIR = Path.of("target", "test-resources", "sequence-safety-" + UUID.randomUUID());
    private static final String KEY_PREFIX = "signer:seq:" + TestApplication.VECTOR.key() + ":";

    @Test
    void withTheFloorAFlushOrARestartWithoutPersistenceNeverGivesALowerSequence() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("floor"));
                ServiceProcess floored = ServiceProcess.startWithVector("floor-service", redisAt(redis, "epoch-millis"));
                ServiceProcess plain = ServiceProcess.startWithVector("no-floor-service", redisAt(redis, "none"))) {
            long first = sign(floored, "floor-user");
            assertTrue(first >= System.currentTimeMillis() - 60_000, "floored to the clock: " + first);
            long second = sign(floored, "floor-user");
            assertTrue(second > first);

            assertEquals("+OK", redis.command("FLUSHALL"));
            long afterFlush = sign(floored, "floor-user");
            assertTrue(afterFlush > second, afterFlush + " after " + second);

            redis.kill();
            redis.start();
            assertEquals(":0", redis.command("DBSIZE"), "restarted without its data");
            long afterRestart = GrpcRetry.untilOk(() -> sign(floored, "floor-user"));
            assertTrue(afterRestart > afterFlush, afterRestart + " after " + afterFlush);

            // What the floor prevents: without it, the lost key starts again at 1.
            assertEquals(1, sign(plain, "plain-user"));
            assertEquals(2, sign(plain, "plain-user"));
            assertEquals("+OK", redis.command("FLUSHALL"));
            assertEquals(1, sign(plain, "plain-user"));
            System.out.printf("floor: FLUSHALL %d -> %d, restart without persistence %d -> %d; without the floor 2 -> 1%n",
                    second, afterFlush, afterFlush, afterRestart);
        }
    }

    @Test
    void threeInstancesOnOneRedisHandOut3000DistinctSequencesForOneUser() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("three"))) {
            List<ServiceProcess> instances = new ArrayList<>();
            List<ManagedChannel> channels = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    instances.add(ServiceProcess.startWithVector("instance-" + i, redisAt(redis, "none")));
                    channels.add(GrpcChannels.open(instances.get(i).url()));
                }
                List<RegistrationSignerFutureStub> stubs = channels.stream().map(RegistrationSignerGrpc::newFutureStub).toList();
                List<Result> results = Load.run(3000, 128, i -> stubs.get(i % 3), i -> "one-user", Duration.ofSeconds(30));

                assertEquals(Map.of(Status.Code.OK, 3000), Load.codes(results));
                Set<Long> sequences = results.stream().map(Result::sequence).collect(Collectors.toCollection(TreeSet::new));
                assertEquals(LongStream.rangeClosed(1, 3000).boxed().collect(Collectors.toCollection(TreeSet::new)), sequences);
                assertEquals("3000", get(redis, "one-user"));
                System.out.printf("three instances: 3000 calls, 3000 distinct sequences (1..3000), 0 duplicates%n");
            } finally {
                for (ManagedChannel channel : channels) {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                for (ServiceProcess instance : instances) {
                    instance.close();
                }
            }
        }
    }

    @Test
    void redisKilledUnderLoadGivesUniqueSequencesOrUnavailableAndNoHang() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("killed"), "--appendonly", "yes");
                ServiceProcess service = ServiceProcess.startWithVector("killed-redis-service", redisAt(redis, "epoch-millis"))) {
            ManagedChannel channel = GrpcChannels.open(service.url());
            try {
                RegistrationSignerFutureStub stub = RegistrationSignerGrpc.newFutureStub(channel);
                Duration deadline = Duration.ofSeconds(3);
                AtomicBoolean stop = new AtomicBoolean();
                CompletableFuture<List<Result>> load = CompletableFuture.supplyAsync(() -> {
                    List<Result> results = new ArrayList<>();
                    for (int i = 0; !stop.get(); i += 64) {
                        int base = i;
                        try {
                            results.addAll(Load.run(64, 64, n -> stub, n -> "load-user-" + ((base + n) % 20), deadline));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                    return results;
                });
                Thread.sleep(1000);
                redis.kill();
                Thread.sleep(1500);
                redis.start();
                long restarted = System.nanoTime();
                Thread.sleep(1500);
                stop.set(true);
                List<Result> results = load.get(60, TimeUnit.SECONDS);

                Map<Status.Code, Integer> codes = Load.codes(results);
                assertEquals(Set.of(Status.Code.OK, Status.Code.UNAVAILABLE), codes.keySet(), codes.toString());
                assertEquals(0, Load.duplicates(results));
                // The service reconnected by itself: calls made after the restart succeed again.
                assertTrue(results.stream().anyMatch(r -> r.ok() && r.startNanos() > restarted), codes.toString());
                Duration longest = results.stream().map(Result::took).max(Duration::compareTo).orElseThrow();
                assertTrue(longest.compareTo(deadline.plusMillis(500)) < 0, "a call took " + longest);
                System.out.printf("Redis killed under load: %d calls %s, 0 duplicates, longest call %d ms%n",
                        results.size(), codes, longest.toMillis());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aGracefulShutdownUnderLoadGoesUnreadyFirstAndHandsOutNothingTwice() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("shutdown"))) {
            Map<String, String> config = new HashMap<>(redisAt(redis, "none"));
            // 1.5 s of serving with readiness DOWN, then 2.5 s to answer what is in flight.
            config.put("quarkus.shutdown.delay", "4s");
            ServiceProcess service = ServiceProcess.startWithVector("shutdown-service", config);
            int management = service.managementPort();
            ManagedChannel channel = GrpcChannels.open(service.url());
            try {
                RegistrationSignerFutureStub stub = RegistrationSignerGrpc.newFutureStub(channel);
                AtomicBoolean stop = new AtomicBoolean();
                CompletableFuture<List<Result>> load = CompletableFuture.supplyAsync(() -> {
                    List<Result> results = new ArrayList<>();
                    for (int i = 0; !stop.get(); i++) {
                        try {
                            results.addAll(Load.run(32, 32, n -> stub, n -> "shutdown-user-" + (n % 8), Duration.ofSeconds(20)));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                    return results;
                });
                Thread.sleep(500);
                // Redis answers slowly from now on, so that calls are in flight when the signal comes.
                CompletableFuture<Void> slowRedis = CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 20; i++) {
                        redis.command("DEBUG", "SLEEP", "0.2");
                    }
                });
                Thread.sleep(300);
                // UP before the signal (and RestAssured loaded: its first request takes seconds in a cold JVM).
                Http.localhost(management).get("/q/health/ready").then().statusCode(200);
                service.terminate();
                // Readiness goes DOWN first, while calls are still served.
                long readinessDown = awaitReadinessDown(management);
                assertTrue(readinessDown < 1500, "readiness went DOWN after " + readinessDown + " ms");
                assertTrue(service.awaitExit(Duration.ofSeconds(30)).isPresent(), "the service did not exit");
                stop.set(true);
                List<Result> results = load.get(60, TimeUnit.SECONDS);
                slowRedis.get(30, TimeUnit.SECONDS);

                Map<Status.Code, Integer> codes = Load.codes(results);
                Map<String, Long> reasons = results.stream().filter(r -> !r.ok())
                        .collect(Collectors.groupingBy(Result::description, Collectors.counting()));
                System.out.println("graceful shutdown: why calls failed: " + reasons);
                assertTrue(Set.of(Status.Code.OK, Status.Code.UNAVAILABLE).containsAll(codes.keySet()), codes.toString());
                assertEquals(0, Load.duplicates(results));
                // Every sequence Redis handed out reached its caller: no answer lost as connections closed.
                long handedOut = 0;
                for (int user = 0; user < 8; user++) {
                    String value = get(redis, "shutdown-user-" + user);
                    handedOut += value == null ? 0 : Long.parseLong(value);
                }
                long delivered = codes.getOrDefault(Status.Code.OK, 0);
                assertEquals(handedOut, delivered, delivered + " delivered of " + handedOut + " handed out; " + codes);
                // ... and has its audit line: none was left behind in a buffer at the exit.
                Set<String> audited = LogScan.auditedSignatures(service.log());
                assertEquals(List.of(), results.stream().filter(Result::ok).map(r -> r.userId() + " " + r.sequence())
                        .filter(credential -> !audited.contains(credential)).toList(), "delivered without an audit line");
                String drained = java.nio.file.Files.readString(service.log()).lines()
                        .filter(line -> line.contains("Shutting down")).findFirst().orElse("(no drain line)");
                System.out.printf("graceful shutdown under load: %d calls %s, %d sequences handed out and %d delivered, "
                        + "readiness DOWN %d ms after SIGTERM; %s%n", results.size(), codes, handedOut,
                        delivered, readinessDown, drained.replaceAll(".*\\) ", ""));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                service.close();
            }
        }
    }

    @Test
    void atTheEndOfTheShutdownDelayEachConnectionIsToldToGoAwayWithoutRefusingItsCalls() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("go-away"))) {
            Map<String, String> config = new HashMap<>(redisAt(redis, "none"));
            // 1.5 s of serving with readiness DOWN, then 2.5 s (the Redis timeout + 0.5 s) to answer what is in flight.
            config.put("quarkus.shutdown.delay", "4s");
            ServiceProcess service = ServiceProcess.startWithVector("go-away-service", config);
            Vertx vertx = Vertx.vertx();
            try {
                // A plain HTTP/2 client, to see the frames that grpc-java handles out of sight.
                HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                        .setHttp2ClearTextUpgrade(false).setDefaultHost("localhost").setDefaultPort(service.url().getPort()));
                RawCall before = RawCall.sign(client, "go-away-user");
                assertEquals(1, before.sequence());
                List<GoAway> goAways = new CopyOnWriteArrayList<>();
                before.connection().goAwayHandler(goAways::add);
                Http.localhost(service.managementPort()).get("/q/health/ready").then().statusCode(200);

                long sigterm = System.nanoTime();
                service.terminate();
                awaitReadinessDown(service.managementPort());
                // Readiness is DOWN, and the connection's calls are still served.
                RawCall during = RawCall.sign(client, "go-away-user");
                assertSame(before.connection(), during.connection());
                assertEquals(2, during.sequence());
                // Then the connection is told to go away in a way that refuses no stream (last stream id 2^31-1:
                // the client may have sent more already), when the shutdown delay has 2.5 s left.
                await().atMost(Duration.ofSeconds(3)).until(() -> !goAways.isEmpty());
                long goAway = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
                assertTrue(goAway >= 1400, "GOAWAY " + goAway + " ms after SIGTERM, before the end of the serving time");
                assertEquals(0, goAways.get(0).getErrorCode());
                assertEquals(Integer.MAX_VALUE, goAways.get(0).getLastStreamId());
                assertTrue(service.awaitExit(Duration.ofSeconds(30)).isPresent(), "the service did not exit");
                String log = java.nio.file.Files.readString(service.log());
                assertTrue(log.contains("every call was answered before the connections closed"), log);
                System.out.printf("GOAWAY %d ms after SIGTERM (shutdown delay 4 s): %s%n", goAway, goAways);
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                service.close();
            }
        }
    }

    /** One SignRegistration over a plain HTTP/2 request: gRPC's framing by hand. */
    private record RawCall(HttpConnection connection, long sequence) {

        static RawCall sign(HttpClient client, String userId) throws Exception {
            byte[] message = SignRegistrationRequest.newBuilder().setApplicationKey(TestApplication.VECTOR.key())
                    .setUserId(userId).build().toByteArray();
            Buffer frame = Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message);
            return client.request(HttpMethod.POST, "/" + RegistrationSignerGrpc.getSignRegistrationMethod().getFullMethodName())
                    .compose(request -> {
                        request.putHeader("content-type", "application/grpc").putHeader("te", "trailers");
                        return request.send(frame).compose(response -> response.body().map(body -> {
                            assertEquals("0", response.getTrailer("grpc-status"), response.trailers().toString());
                            try {
                                long sequence = SignRegistrationResponse.parseFrom(body.getBytes(5, body.length())).getSequence();
                                return new RawCall(request.connection(), sequence);
                            } catch (InvalidProtocolBufferException e) {
                                throw new IllegalStateException(e);
                            }
                        }));
                    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDeadlineShorterThanTheRedisTimeoutEndsTheCallAtTheDeadline() throws Exception {
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("deadline"));
                ServiceProcess service = ServiceProcess.startWithVector("deadline-service", redisAt(redis, "none"))) {
            ManagedChannel channel = GrpcChannels.open(service.url());
            try {
                RegistrationSignerFutureStub stub = RegistrationSignerGrpc.newFutureStub(channel);
                assertTrue(Load.sign(stub, "deadline-user", Duration.ofSeconds(5)).join().ok());
                assertEquals("+OK", redis.command("CLIENT", "PAUSE", "2500"));
                Result result = Load.sign(stub, "deadline-user", Duration.ofMillis(300)).join();
                assertEquals(Status.Code.DEADLINE_EXCEEDED, result.code(), result.toString());
                assertTrue(result.took().toMillis() < 1000, "took " + result.took());
                // The service itself ended the call at the deadline, not at its 2 s Redis timeout.
                String metrics = Http.localhost(service.managementPort())
                        .get("/q/metrics").then().statusCode(200).extract().asString();
                assertTrue(metrics.lines().anyMatch(line -> line.startsWith("signer_credentials_total{")
                        && line.contains("outcome=\"deadline_exceeded\"") && line.endsWith(" 1.0")), metrics);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aFullQueueToRedisAnswersUnavailableAtOnceAndAnEarlyErrorConsumesNoSequence() throws Exception {
        Map<String, String> config;
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("pool"))) {
            config = new HashMap<>(redisAt(redis, "none"));
            // One pipelined connection that holds at most two unanswered commands.
            config.put("signer.redis.connections", "1");
            config.put("quarkus.redis.max-waiting-handlers", "2");
            try (ServiceProcess service = ServiceProcess.startWithVector("small-queue-service", config)) {
                ManagedChannel channel = GrpcChannels.open(service.url());
                try {
                    RegistrationSignerFutureStub stub = RegistrationSignerGrpc.newFutureStub(channel);
                    // Rejected before Redis: unknown application, bad user id. No key is created.
                    StatusRuntimeException unknown = assertThrowsStatus(() -> RegistrationSignerGrpc.newBlockingStub(channel)
                            .signRegistration(SignRegistrationRequest.newBuilder().setApplicationKey(UUID.randomUUID().toString())
                                    .setUserId("early-user").build()));
                    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
                    assertEquals(Status.Code.INVALID_ARGUMENT, Load.sign(stub, "early user", Duration.ofSeconds(5)).join().code());
                    assertEquals(1, Load.sign(stub, "early-user", Duration.ofSeconds(5)).join().sequence());

                    assertEquals("+OK", redis.command("CLIENT", "PAUSE", "1500"));
                    List<CompletableFuture<Result>> calls = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        calls.add(Load.sign(stub, "pool-user-" + i, Duration.ofSeconds(5)));
                    }
                    List<Result> results = calls.stream().map(CompletableFuture::join).toList();
                    List<Result> refusedAtOnce = results.stream().filter(r -> r.code() == Status.Code.UNAVAILABLE
                            && r.description().startsWith("too many calls are waiting") && r.took().toMillis() < 1000).toList();
                    assertTrue(refusedAtOnce.size() >= 7, results.toString());
                    System.out.printf("one connection, 2 unanswered commands at most: 10 calls on a paused Redis, %d refused at once, %s%n",
                            refusedAtOnce.size(), Load.codes(results));
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static Map<String, String> redisAt(RedisProcess redis, String floor) {
        return Map.of("quarkus.redis.hosts", redis.uri(), "signer.sequence.floor", floor);
    }

    private static long sign(ServiceProcess service, String userId) throws InterruptedException {
        ManagedChannel channel = GrpcChannels.open(service.url());
        try {
            Result result = Load.sign(RegistrationSignerGrpc.newFutureStub(channel), userId, Duration.ofSeconds(5)).join();
            if (!result.ok()) {
                throw Status.fromCode(result.code()).withDescription(result.description()).asRuntimeException();
            }
            return result.sequence();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static String get(RedisProcess redis, String userId) {
        return io.registrationsigner.testing.RedisProbe.get(redis.port(), KEY_PREFIX + userId);
    }

    private static long awaitReadinessDown(int managementPort) {
        long start = System.nanoTime();
        while (TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10) {
            try {
                int status = Http.localhost(managementPort).get("/q/health/ready").statusCode();
                if (status == 503) {
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                }
            } catch (Exception closed) { // RestAssured throws ConnectException unchecked
                throw new AssertionError("the management port " + managementPort + " closed "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms after SIGTERM, before readiness went DOWN", closed);
            }
        }
        throw new AssertionError("readiness did not go DOWN within 10 s of SIGTERM");
    }

    private static StatusRuntimeException assertThrowsStatus(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a failure status");
    }

    /** Retries UNAVAILABLE for up to 10 s: the pool reconnects to a restarted Redis. */
    private static final class GrpcRetry {
        interface Call {
            long run() throws Exception;
        }

        static long untilOk(Call call) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try {
                    return call.run();
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        }
    }
}
