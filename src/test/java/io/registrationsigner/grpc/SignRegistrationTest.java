package io.registrationsigner.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.common.util.concurrent.ListenableFuture;

import io.grpc.ManagedChannel;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.Signatures;
import io.registrationsigner.testing.TestApplication;

/** SignRegistration through the real server (generated from the top-level proto/) and a real Redis. */
@QuarkusTest
@WithTestResource(SignerTestResource.class)
class SignRegistrationTest {

    @TestHTTPResource
    URL url;

    private ManagedChannel channel;
    private RegistrationSignerGrpc.RegistrationSignerBlockingStub signer;

    @BeforeEach
    void connect() {
        channel = GrpcChannels.open(url);
        signer = RegistrationSignerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void answersWithTheDesignVectors() {
        SignRegistrationResponse first = sign("alice", TestApplication.VECTOR);
        SignRegistrationResponse second = sign("alice", TestApplication.VECTOR);
        assertEquals(1, first.getSequence());
        assertEquals("7NYSnv8J5/aLOjlQALjGY+OmdD4=", first.getSignature());
        assertEquals(2, second.getSequence());
        assertEquals("AuLsxVBkIOTKbP2qcq6o64fuYSk=", second.getSignature());
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

    @Test
    void thousandParallelCallsForOneUserGetThousandDistinctSequences() throws Exception {
        var futureStub = RegistrationSignerGrpc.newFutureStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        SignRegistrationRequest request = request("parallel", TestApplication.OTHER);
        List<ListenableFuture<SignRegistrationResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            calls.add(futureStub.signRegistration(request));
        }
        TreeSet<Long> sequences = new TreeSet<>();
        for (ListenableFuture<SignRegistrationResponse> call : calls) {
            SignRegistrationResponse response = call.get(60, TimeUnit.SECONDS);
            assertVerified(response, TestApplication.OTHER);
            sequences.add(response.getSequence());
        }
        assertEquals(1000, sequences.size(), "no sequence handed out twice");
        assertEquals(1, sequences.first());
        assertEquals(1000, sequences.last(), "a new user's 1,000 calls take exactly 1..1000");
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
    void aUserIdOf255BytesIsSigned() {
        String userId = "x".repeat(254) + "=";
        assertEquals(1, sign(userId, TestApplication.VECTOR).getSequence());
    }

    private SignRegistrationResponse sign(String userId, TestApplication application) {
        SignRegistrationResponse response = signer.signRegistration(request(userId, application));
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
