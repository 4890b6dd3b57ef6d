package io.registrationsigner.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;

import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.testing.LogScan;
import io.registrationsigner.testing.RawGrpc;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.StatusMessages;
import io.registrationsigner.testing.TestApplication;

/** Bad input gets the error model's status, a message for humans, and consumes no sequence. */
@QuarkusTest
@WithTestResource(SignerTestResource.class)
class ErrorModelTest extends ServiceTestBase {

    @ParameterizedTest
    @ValueSource(strings = { "", "alice@example.com", "a b", "a:b", "zoë", "名前", "a/b", "tab\there" })
    void aBadUserIdIsInvalidArgument(String userId) {
        StatusRuntimeException e = rejected(userId, TestApplication.VECTOR.key(), Status.Code.INVALID_ARGUMENT);
        assertTrue(e.getStatus().getDescription().contains("user_id must be 1 to 255 characters of A-Z a-z 0-9 - _ ="),
                e.getStatus().getDescription());
        assertEquals("USER_ID_INVALID", StatusMessages.assertDetails(e).getReason());
        assertEquals("user_id", StatusMessages.detail(StatusProto.fromThrowable(e), BadRequest.class).orElseThrow()
                .getFieldViolations(0).getField());
    }

    @Test
    void aUserIdOf256BytesIsInvalidArgument() {
        StatusRuntimeException e = rejected("y".repeat(256), TestApplication.VECTOR.key(), Status.Code.INVALID_ARGUMENT);
        assertTrue(e.getStatus().getDescription().contains("256 characters"), e.getStatus().getDescription());
    }

    @Test
    void aMissingApplicationKeyIsInvalidArgumentWhenTwoApplicationsAreConfigured() {
        StatusRuntimeException e = rejected("bob", "", Status.Code.INVALID_ARGUMENT);
        assertEquals("application_key is required: this service holds more than one application",
                e.getStatus().getDescription());
        assertEquals("APPLICATION_KEY_REQUIRED", StatusMessages.assertDetails(e).getReason());
    }

    @Test
    void anUnknownApplicationKeyIsNotFound() {
        StatusRuntimeException e = rejected("bob", "00000000-0000-0000-0000-000000000000", Status.Code.NOT_FOUND);
        assertTrue(e.getStatus().getDescription().startsWith("unknown application_key 00000000-0000-0000-0000-000000000000"));
        ErrorInfo info = StatusMessages.assertDetails(e);
        assertEquals("APPLICATION_UNKNOWN", info.getReason());
        assertEquals("00000000-0000-0000-0000-000000000000", info.getMetadataOrThrow("application_key"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "not a key", "key:with:colons", "196087a1-e815-4bc4-8984-60d8d8a43f1d-196087a1-e815-4bc4-8984-60d8d8a43f1d" })
    void aMalformedApplicationKeyIsInvalidArgument(String key) {
        StatusRuntimeException e = rejected("bob", key, Status.Code.INVALID_ARGUMENT);
        assertTrue(e.getStatus().getDescription().startsWith("application_key must be"), e.getStatus().getDescription());
    }

    @Test
    void rejectedCallsConsumeNoSequence() {
        rejected("rejected-user", "00000000-0000-0000-0000-000000000000", Status.Code.NOT_FOUND);
        rejected("rejected-user", "", Status.Code.INVALID_ARGUMENT);
        rejected("rejected-user", "bad key", Status.Code.INVALID_ARGUMENT);
        long sequence = signer(10).signRegistration(SignRegistrationRequest.newBuilder()
                .setUserId("rejected-user").setApplicationKey(TestApplication.VECTOR.key()).build()).getSequence();
        assertEquals(1, sequence);
    }

    @ParameterizedTest
    @ValueSource(strings = { "0n", "0m", "0S" })
    void aCallThatArrivesAfterItsDeadlineEndsWithoutUsingASequence(String grpcTimeout) throws Exception {
        String user = "expired-deadline-" + grpcTimeout;
        Status status = RawGrpc.call(url, "signer.v1.RegistrationSigner/SignRegistration", SignRegistrationRequest.newBuilder()
                .setUserId(user).setApplicationKey(TestApplication.VECTOR.key()).build(),
                Map.of("grpc-timeout", grpcTimeout));
        // grpc-java alone would reset the stream (CANCEL) without a status; the service answers it.
        assertEquals(Status.Code.DEADLINE_EXCEEDED, status.getCode(), status.toString());
        assertEquals("the caller's deadline passed", status.getDescription());
        assertEquals(1, signer(10).signRegistration(SignRegistrationRequest.newBuilder().setUserId(user)
                .setApplicationKey(TestApplication.VECTOR.key()).build()).getSequence());
    }

    @Test
    void aMessageThatIsNotValidProtobufIsInvalidArgumentAndLeavesNoStackTrace() throws Exception {
        // user_id (field 1) of 2 bytes that are not UTF-8: protobuf refuses to parse the string.
        byte[] invalidUtf8 = { 0x0a, 0x02, (byte) 0xc3, 0x28 };
        long logBefore = Files.size(LogScan.TEST_LOG);
        Status status = RawGrpc.call(url, "signer.v1.RegistrationSigner/SignRegistration", invalidUtf8, Map.of());
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), status.toString());
        assertTrue(status.getDescription().startsWith("the request is not a valid protobuf message"), status.toString());
        // The next call works (and comes after anything the server would log about the first).
        assertEquals(1, signer(10).signRegistration(SignRegistrationRequest.newBuilder().setUserId("after-malformed")
                .setApplicationKey(TestApplication.VECTOR.key()).build()).getSequence());
        // grpc-java alone answers UNKNOWN and logs a SEVERE stack trace for each such message.
        byte[] log = Files.readAllBytes(LogScan.TEST_LOG);
        String logged = new String(log, (int) logBefore, log.length - (int) logBefore, java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(logged.contains("SEVERE") || logged.contains("Exception"), logged);
    }

    @Test
    void theServiceAdvertisesNoCompressionAndRefusesACompressedMessageBeforeReadingIt() throws Exception {
        byte[] request = SignRegistrationRequest.newBuilder().setUserId("compression-user")
                .setApplicationKey(TestApplication.VECTOR.key()).build().toByteArray();
        RawGrpc.Answer plain = RawGrpc.answer(url, "signer.v1.RegistrationSigner/SignRegistration", request, Map.of());
        assertEquals(Status.Code.OK, plain.status().getCode(), plain.toString());
        assertFalse(plain.headersAndTrailers().getOrDefault("grpc-accept-encoding", "").contains("gzip"), plain.toString());
        // Announced as gzip (the bytes are not even compressed): refused before they are read.
        RawGrpc.Answer gzip = RawGrpc.answer(url, "signer.v1.RegistrationSigner/SignRegistration", request,
                Map.of("grpc-encoding", "gzip"));
        assertEquals(Status.Code.UNIMPLEMENTED, gzip.status().getCode(), gzip.toString());
        assertEquals("identity", gzip.headersAndTrailers().get("grpc-accept-encoding"), gzip.toString());
        assertTrue(gzip.headersAndTrailers().containsKey("grpc-status-details-bin"), gzip.toString());
    }

    private StatusRuntimeException rejected(String userId, String applicationKey, Status.Code expected) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> signer(10).signRegistration(
                SignRegistrationRequest.newBuilder().setUserId(userId).setApplicationKey(applicationKey).build()));
        assertEquals(expected, e.getStatus().getCode(), e.getStatus().toString());
        StatusMessages.assertSafe(e);
        return e;
    }
}
