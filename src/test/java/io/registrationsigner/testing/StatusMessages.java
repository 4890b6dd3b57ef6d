package io.registrationsigner.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * What a status shown to a caller must hold, and never hold: a message for humans without a
 * class name, stack trace or secret, and details for machines (a google.rpc.ErrorInfo always, a
 * BadRequest for INVALID_ARGUMENT, a RetryInfo for RESOURCE_EXHAUSTED and UNAVAILABLE).
 */
public final class StatusMessages {

    private static final Pattern QUALIFIED_CLASS_NAME = Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]");
    private static final Pattern UPPER_SNAKE = Pattern.compile("[A-Z][A-Z0-9]*(_[A-Z0-9]+)*");
    public static final String DOMAIN = "registration-signer";

    private StatusMessages() {
    }

    public static void assertSafe(StatusRuntimeException e) {
        assertSafeMessage(e);
        assertDetails(e);
    }

    /** The message alone: what the gRPC framework's own statuses (a frame that is no message, say) must meet too. */
    public static void assertSafeMessage(StatusRuntimeException e) {
        String description = e.getStatus().getDescription();
        assertNotNull(description, "every error carries a message for humans");
        assertFalse(description.contains("Exception") || description.contains("\tat "),
                () -> "exception or stack trace in status message: " + description);
        assertFalse(QUALIFIED_CLASS_NAME.matcher(description).find(),
                () -> "class name in status message: " + description);
        for (String secret : TestApplication.ALL_SECRETS) {
            assertFalse(description.contains(secret), () -> "a secret in status message: " + description);
        }
    }

    /** The ErrorInfo of the status, checked with the rest of its details; its reason is returned. */
    public static ErrorInfo assertDetails(StatusRuntimeException e) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertNotNull(status, () -> "no grpc-status-details-bin: " + e.getStatus());
        assertEquals(e.getStatus().getCode().value(), status.getCode(), "the details' code is the status'");
        assertEquals(e.getStatus().getDescription(), status.getMessage(), "the details' message is the status'");
        ErrorInfo info = detail(status, ErrorInfo.class).orElseThrow(() -> new AssertionError("no ErrorInfo: " + status));
        assertEquals(DOMAIN, info.getDomain());
        assertTrue(UPPER_SNAKE.matcher(info.getReason()).matches(), info.getReason());
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.INVALID_ARGUMENT) {
            BadRequest bad = detail(status, BadRequest.class).orElseThrow(() -> new AssertionError("no BadRequest: " + status));
            assertFalse(bad.getFieldViolationsList().isEmpty());
            assertEquals(e.getStatus().getDescription(), bad.getFieldViolations(0).getDescription());
        }
        if (code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.UNAVAILABLE) {
            assertTrue(detail(status, RetryInfo.class).isPresent(), () -> "no RetryInfo: " + status);
        }
        return info;
    }

    public static <T extends Message> Optional<T> detail(com.google.rpc.Status status, Class<T> type) {
        List<Any> details = status.getDetailsList();
        for (Any any : details) {
            if (any.is(type)) {
                try {
                    return Optional.of(any.unpack(type));
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return Optional.empty();
    }
}
