package io.registrationsigner.sequence;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.google.common.util.concurrent.ListenableFuture;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.IssueRegistrationTokenResponse;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.devredis.LocalRedis;
import io.registrationsigner.testing.InjectLocalRedis;
import io.registrationsigner.testing.LogScan;
import io.registrationsigner.testing.PrometheusText;
import io.registrationsigner.testing.RedisProbe;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.StatusMessages;
import io.registrationsigner.testing.TestApplication;

/** A Redis of its own, stopped and hung on purpose: calls fail fast with UNAVAILABLE and recover. */
@QuarkusTest
@WithTestResource(value = SignerTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class RedisOutageTest extends ServiceTestBase {

    /** signer.redis.timeout: the configured bound on a call's wait for Redis. */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration MARGIN = Duration.ofMillis(1500);

    @InjectLocalRedis
    LocalRedis redis;

    /**
     * Every replica shares the one Redis: its outage must not take them all out of rotation. The
     * pod stays ready, tokens are still issued, SignRegistration answers UNAVAILABLE within the
     * timeout, and the Redis health group and signer_redis_up say what is wrong.
     */
    @Test
    void aStoppedRedisLeavesTheServiceReadyAndItsOwnCheckDownUntilItIsBack() throws Exception {
        long before = sign("outage-user");
        onManagement().get("/q/health/group/redis").then().statusCode(200).body("status", is("UP"));
        assertEquals(1.0, redisUp());

        redis.stop();
        try {
            assertUnavailableWithinTimeout("outage-user");
            // Every call fails while Redis is down; the log says so once per 10 s, not once per call.
            long logBefore = LogScan.TEST_LOG.toFile().length();
            var calls = RegistrationSignerGrpc.newFutureStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            List<ListenableFuture<SignRegistrationResponse>> failing = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                failing.add(calls.signRegistration(request("outage-user-" + i)));
            }
            for (ListenableFuture<SignRegistrationResponse> call : failing) {
                ExecutionException e = assertThrows(ExecutionException.class, call::get);
                assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(e.getCause()).getCode());
            }
            assertTrue(newLines(logBefore).stream().filter(line -> line.contains("Redis failure:")).count() <= 1,
                    "Redis failures logged per call");
            onManagement().get("/q/health/ready").then().statusCode(200).body("status", is("UP"));
            onManagement().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
            onManagement().get("/q/health/group/redis").then().statusCode(503).body("status", is("DOWN"))
                    .body("checks[0].name", is("Redis"));
            assertEquals(0.0, redisUp(), "the probe that the health group ran sets the gauge");
            IssueRegistrationTokenResponse token = signer(30).issueRegistrationToken(IssueRegistrationTokenRequest.newBuilder()
                    .setUserId("outage-user").setApplicationKey(TestApplication.VECTOR.key()).build());
            assertFalse(token.getToken().isEmpty());
        } finally {
            redis.start();
        }

        // The periodic probe (signer.redis.probe-interval, 5 s) finds it back without anyone asking.
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> redisUp() == 1.0);
        onManagement().get("/q/health/group/redis").then().statusCode(200).body("status", is("UP"));
        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> sign("outage-user") > before);
        assertTrue(PrometheusText.value(metrics(), "signer_redis_command_seconds_count",
                Map.of("command", "PING", "outcome", "failed")) > 0, "the failed PINGs are counted");
    }

    private static List<String> newLines(long from) throws IOException {
        byte[] log = Files.readAllBytes(LogScan.TEST_LOG);
        return new String(log, (int) from, log.length - (int) from, StandardCharsets.UTF_8).lines().toList();
    }

    private double redisUp() {
        return metrics().lines().filter(line -> line.startsWith("signer_redis_up "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no signer_redis_up in /q/metrics"));
    }

    @Test
    void aHungRedisGivesUnavailableAfterTheTimeoutNotAHang() {
        long before = sign("hung-user");
        pauseRedisClients(Duration.ofSeconds(5));

        StatusRuntimeException e = assertUnavailableWithinTimeout("hung-user");
        assertTrue(e.getStatus().getDescription().contains("did not answer within 2000 ms"), e.getStatus().getDescription());

        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> sign("hung-user") > before);
    }

    private StatusRuntimeException assertUnavailableWithinTimeout(String userId) {
        long start = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> signer(30).signRegistration(request(userId)));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(elapsed.compareTo(TIMEOUT.plus(MARGIN)) < 0, "answered after " + elapsed.toMillis() + " ms");
        assertTrue(elapsed.compareTo(TIMEOUT) >= 0 || !e.getStatus().getDescription().contains("did not answer"),
                "a timeout cannot come before the configured timeout");
        StatusMessages.assertSafe(e);
        assertEquals("SEQUENCE_STORE_UNAVAILABLE", StatusMessages.assertDetails(e).getReason());
        return e;
    }

    private long sign(String userId) {
        return signer(10).signRegistration(request(userId)).getSequence();
    }

    private static SignRegistrationRequest request(String userId) {
        return SignRegistrationRequest.newBuilder().setUserId(userId).setApplicationKey(TestApplication.VECTOR.key()).build();
    }

    /** CLIENT PAUSE: Redis keeps its connections open but answers nothing, like a hung server. */
    private void pauseRedisClients(Duration duration) {
        assertEquals("+OK", RedisProbe.command(redis.port(), "CLIENT", "PAUSE", Long.toString(duration.toMillis()), "ALL"));
    }
}
