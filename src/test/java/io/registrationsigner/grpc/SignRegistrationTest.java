package io.registrationsigner.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.common.util.concurrent.ListenableFuture;

import io.grpc.ManagedChannel;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.PrometheusText;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.Signatures;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.SinchVectors;

/** SignRegistration through the real server (generated from the top-level proto/) and a real Redis. */
@QuarkusTest
@WithTestResource(SignerTestResource.class)
class SignRegistrationTest extends ServiceTestBase {

    @Inject
    RedisDataSource redis;

    @Test
    void answersWithSinchsTestVectors() {
        SignRegistrationResponse first = sign("alice", TestApplication.VECTOR);
        SignRegistrationResponse second = sign("alice", TestApplication.VECTOR);
        assertEquals(1, first.getSequence());
        assertEquals(SinchVectors.LEGACY_SIGNATURE_1, first.getSignature());
        assertEquals(2, second.getSequence());
        assertEquals(SinchVectors.LEGACY_SIGNATURE_2, second.getSignature());
        assertEquals("alice", first.getUserId());
        assertEquals(TestApplication.VECTOR.key(), first.getApplicationKey());
    }

    @Test
    void aNewUserGetsOneTwoThree() {
        assertEquals(1, sign("new-user-123", TestApplication.OTHER).getSequence());
        assertEquals(2, sign("new-user-123", TestApplication.OTHER).getSequence());
        assertEquals(3, sign("new-user-123", TestApplication.OTHER).getSequence());
    }

    @Test
    void sequentialCallsStrictlyIncrease() {
        long previous = 0;
        for (int i = 0; i < 200; i++) {
            long sequence = sign("sequential", TestApplication.VECTOR).getSequence();
            assertTrue(sequence > previous, sequence + " after " + previous);
            previous = sequence;
        }
    }

    /**
     * 1,000 calls in flight at once. On a cold JVM some may wait longer than the Redis timeout and
     * get UNAVAILABLE; the client retries those, as docs/clients.md advises. Every call then succeeds,
     * no sequence is handed out twice, and the only gaps are sequences of calls answered UNAVAILABLE.
     */
    @Test
    void thousandParallelCallsForOneUserGetThousandDistinctSequences() throws Exception {
        Map<String, String> unavailable = Map.of("application", "other", "scheme", "legacy", "outcome", "unavailable");
        double unavailableBefore = PrometheusText.value(metrics(), "signer_credentials_total", unavailable);
        ManagedChannel retrying = GrpcChannels.openRetrying(url);
        try {
            var futureStub = RegistrationSignerGrpc.newFutureStub(retrying).withDeadlineAfter(120, TimeUnit.SECONDS);
            SignRegistrationRequest request = request("parallel", TestApplication.OTHER);
            List<ListenableFuture<SignRegistrationResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                calls.add(futureStub.signRegistration(request));
            }
            TreeSet<Long> sequences = new TreeSet<>();
            for (ListenableFuture<SignRegistrationResponse> call : calls) {
                SignRegistrationResponse response = call.get(120, TimeUnit.SECONDS);
                assertVerified(response, TestApplication.OTHER);
                sequences.add(response.getSequence());
            }
            assertEquals(1000, sequences.size(), "no sequence handed out twice");
            assertEquals(1, sequences.first());
            double answeredUnavailable = PrometheusText.value(metrics(), "signer_credentials_total", unavailable)
                    - unavailableBefore;
            assertTrue(sequences.last() - 1000 <= answeredUnavailable,
                    "gaps (" + (sequences.last() - 1000) + ") only from calls answered UNAVAILABLE (" + answeredUnavailable + ")");
        } finally {
            retrying.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void usersAndApplicationsDoNotShareSequences() {
        assertEquals(1, sign("shared-name", TestApplication.VECTOR).getSequence());
        assertEquals(2, sign("shared-name", TestApplication.VECTOR).getSequence());
        assertEquals(1, sign("shared-name", TestApplication.OTHER).getSequence());
        assertEquals(1, sign("shared-name-2", TestApplication.VECTOR).getSequence());
        assertEquals(3, sign("shared-name", TestApplication.VECTOR).getSequence());
        assertEquals(2, sign("shared-name", TestApplication.OTHER).getSequence());
    }

    @Test
    void theSequenceLivesInOneRedisKeyPerApplicationAndUserUnderTheConfiguredPrefix() {
        long sequence = sign("key-owner", TestApplication.OTHER).getSequence();
        String key = SignerTestResource.KEY_PREFIX + TestApplication.OTHER.key() + ":key-owner";
        assertEquals(sequence, redis.value(Long.class).get(key));
        assertEquals(List.of(key), redis.key().keys(SignerTestResource.KEY_PREFIX + "*:key-owner"));
    }

    @Test
    void withoutRateLimitsACallIsOneIncrAndNothingElse() {
        sign("one-round-trip", TestApplication.OTHER);
        String commands = redis.execute("INFO", "commandstats").toString();
        assertTrue(commands.contains("cmdstat_incr:"), commands);
        assertFalse(commands.contains("cmdstat_eval"), "no rate limit script without rate limits: " + commands);
    }

    @Test
    void aUserIdOf255BytesIsSigned() {
        String userId = "x".repeat(254) + "=";
        assertEquals(1, sign(userId, TestApplication.VECTOR).getSequence());
    }


    private SignRegistrationResponse sign(String userId, TestApplication application) {
        SignRegistrationResponse response = signer(10).signRegistration(request(userId, application));
        assertVerified(response, application);
        return response;
    }

    private static SignRegistrationRequest request(String userId, TestApplication application) {
        return SignRegistrationRequest.newBuilder().setUserId(userId).setApplicationKey(application.key()).build();
    }

    /** Every answer is checked against the signature recomputed here from its definition. */
    private static void assertVerified(SignRegistrationResponse response, TestApplication application) {
        assertEquals(application.key(), response.getApplicationKey());
        assertEquals(Signatures.expected(response.getUserId(), application.key(), response.getSequence(),
                application.secret()), response.getSignature());
    }
}
