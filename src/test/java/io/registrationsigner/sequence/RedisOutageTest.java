package io.registrationsigner.sequence;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.devredis.LocalRedis;
import io.registrationsigner.testing.InjectLocalRedis;
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

    @Test
    void aStoppedRedisGivesUnavailableAndReadinessDownUntilItIsBack() {
        long before = sign("outage-user");

        redis.stop();
        try {
            assertUnavailableWithinTimeout("outage-user");
            onManagement().get("/q/health/ready").then().statusCode(503).body("status", is("DOWN"));
            onManagement().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
        } finally {
            redis.start();
        }

        Awaitility.await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> onManagement().get("/q/health/ready").then().statusCode(200).body("status", is("UP")));
        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> sign("outage-user") > before);
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
