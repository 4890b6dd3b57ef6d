package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.RegistrationSignerGrpc.RegistrationSignerBlockingStub;
import io.registrationsigner.api.v1.LegacyCredential;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.LogScan;
import io.registrationsigner.testing.RedisProbe;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.StatusMessages;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * Two instances of the packaged service on one Redis spend one budget; a user cannot spend its
 * caller's budget; a rejected call consumes no sequence.
 */
@QuarkusIntegrationTest
@WithTestResource(value = SignerTestResource.class, initArgs = {
        @ResourceArg(name = SignerTestResource.AUTH, value = "callers"),
        @ResourceArg(name = SignerTestResource.RATE_LIMIT, value = "on") })
class RateLimitIT extends ServiceTestBase {

    @AfterAll
    static void keepLog() {
        LogScan.keepPackagedServiceLog(RateLimitIT.class);
    }


    @Test
    void budgetsHoldAcrossTwoInstancesSharingOneRedis() throws Exception {
        try (ServiceProcess second = ServiceProcess.start("rate-limit-second-instance",
                SignerTestResource.lastStartedConfig())) {
            ManagedChannel secondChannel = GrpcChannels.open(second.url());
            try {
                List<RegistrationSignerBlockingStub> instances = List.of(stub(channel), stub(secondChannel));

                // Per user: 5 a minute, whichever instance answers. One user hammering gets 5.
                List<Long> sequences = new ArrayList<>();
                int rejected = 0;
                for (int i = 0; i < 20; i++) {
                    try {
                        sequences.add(instances.get(i % 2).signRegistration(request("rl-user")).getSequence());
                    } catch (StatusRuntimeException e) {
                        assertRateLimited(e, "for this user of this application");
                        rejected++;
                    }
                }
                assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sequences);
                assertEquals(15, rejected);

                // Per caller: 12 a minute. The 15 calls its own budget refused spent none of it, so
                // the caller's other users still have 7.
                for (int user = 2; user <= 8; user++) {
                    assertEquals(1, instances.get(user % 2).signRegistration(request("rl-user-" + user)).getSequence());
                }
                assertRateLimited(assertThrows(StatusRuntimeException.class,
                        () -> instances.get(0).signRegistration(request("rl-user-9"))), "for this caller");
                // Verification answers whether a signature is right: it spends the same budgets.
                assertRateLimited(assertThrows(StatusRuntimeException.class,
                        () -> instances.get(1).verifyRegistration(VerifyRegistrationRequest.newBuilder()
                                .setUserId("rl-user-2").setApplicationKey(TestApplication.VECTOR.key())
                                .setLegacy(LegacyCredential.newBuilder().setSequence(1).setSignature("AAAA")).build())),
                        "for this caller");

                // Rejected calls consumed no sequence.
                String sequenceKey = SignerTestResource.KEY_PREFIX + TestApplication.VECTOR.key() + ":";
                int redisPort = SignerTestResource.lastRedisPort();
                assertEquals("5", RedisProbe.get(redisPort, sequenceKey + "rl-user"));
                assertNull(RedisProbe.get(redisPort, sequenceKey + "rl-user-9"));
            } finally {
                secondChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static void assertRateLimited(StatusRuntimeException e, String whose) throws InvalidProtocolBufferException {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(whose), e.getStatus().getDescription());
        assertTrue(e.getStatus().getDescription().contains("retry in"), e.getStatus().getDescription());
        StatusMessages.assertSafe(e);
        assertEquals("RATE_LIMITED", StatusMessages.assertDetails(e).getReason());
        RetryInfo retry = StatusProto.fromThrowable(e).getDetailsList().stream()
                .filter(detail -> detail.is(RetryInfo.class)).findFirst().orElseThrow().unpack(RetryInfo.class);
        Duration delay = Duration.ofSeconds(retry.getRetryDelay().getSeconds(), retry.getRetryDelay().getNanos());
        assertTrue(delay.compareTo(Duration.ZERO) > 0 && delay.compareTo(Duration.ofMinutes(1)) <= 0, delay.toString());
    }

    private static RegistrationSignerBlockingStub stub(ManagedChannel channel) {
        return RegistrationSignerGrpc.newBlockingStub(channel).withInterceptors(TestCaller.BACKEND.credentials())
                .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static SignRegistrationRequest request(String userId) {
        return SignRegistrationRequest.newBuilder().setUserId(userId).setApplicationKey(TestApplication.VECTOR.key()).build();
    }
}
