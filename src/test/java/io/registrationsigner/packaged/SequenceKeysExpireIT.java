package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.TestApplication;

/**
 * Sequence keys expire after their last use with the clock floor, and the sequence after an expiry
 * is still above every one handed out before; without the floor they never expire, and an expiry
 * is refused at start-up.
 */
class SequenceKeysExpireIT {

    private static final String KEY_PREFIX = "signer:seq:" + TestApplication.VECTOR.key() + ":";
    private static RedisProcess redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.server(Path.of("target", "test-resources", "sequence-ttl-" + UUID.randomUUID()));
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void withTheFloorAKeyLivesThirtyDaysAfterItsLastUse() throws Exception {
        String user = "u".repeat(255);
        try (ServiceProcess service = ServiceProcess.startWithVector("sequence-ttl-default",
                Map.of("quarkus.redis.hosts", redis.uri(), "signer.sequence.floor", "epoch-millis"))) {
            sign(service, user);
            long ttl = Long.parseLong(redis.command("PTTL", KEY_PREFIX + user).substring(1));
            assertTrue(ttl > Duration.ofDays(30).minusMinutes(1).toMillis() && ttl <= Duration.ofDays(30).toMillis(),
                    "PTTL " + ttl);
            System.out.printf("sequence key of a 255-character user id: MEMORY USAGE %s bytes, PTTL %d ms%n",
                    redis.command("MEMORY", "USAGE", KEY_PREFIX + user).substring(1), ttl);
        }
    }

    @Test
    void theSequenceAfterAnExpiryIsAboveEveryOneBefore() throws Exception {
        String user = "expiring-user";
        try (ServiceProcess service = ServiceProcess.startWithVector("sequence-ttl-short",
                Map.of("quarkus.redis.hosts", redis.uri(), "signer.sequence.floor", "epoch-millis",
                        "signer.sequence.ttl", "1s"))) {
            long last = 0;
            for (int i = 0; i < 20; i++) {
                long next = sign(service, user);
                assertTrue(next > last, next + " after " + last);
                last = next;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!redis.command("EXISTS", KEY_PREFIX + user).equals(":0")) {
                assertTrue(System.nanoTime() < deadline, "the key did not expire");
                Thread.sleep(100);
            }
            long afterExpiry = sign(service, user);
            assertTrue(afterExpiry > last, afterExpiry + " after the expiry, " + last + " before");
        }
    }

    @Test
    void withoutTheFloorKeysNeverExpireAndAnExpiryIsRefused() throws Exception {
        String user = "counting-user";
        try (ServiceProcess service = ServiceProcess.startWithVector("sequence-ttl-none",
                Map.of("quarkus.redis.hosts", redis.uri(), "signer.sequence.floor", "none"))) {
            assertEquals(1, sign(service, user));
            assertEquals(":-1", redis.command("PTTL", KEY_PREFIX + user));
        }
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> ServiceProcess.startWithVector("sequence-ttl-refused", Map.of("quarkus.redis.hosts", redis.uri(),
                        "signer.sequence.floor", "none", "signer.sequence.ttl", "720h")));
        assertTrue(refused.getMessage().contains("signer.sequence.ttl needs signer.sequence.floor=epoch-millis"),
                refused.getMessage());
    }

    private static long sign(ServiceProcess service, String user) throws InterruptedException {
        ManagedChannel channel = GrpcChannels.open(service.url());
        try {
            return RegistrationSignerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .signRegistration(SignRegistrationRequest.newBuilder().setUserId(user)
                            .setApplicationKey(TestApplication.VECTOR.key()).build())
                    .getSequence();
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
