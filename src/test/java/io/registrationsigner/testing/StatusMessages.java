package io.registrationsigner.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.regex.Pattern;

import io.grpc.StatusRuntimeException;

/** What a status message shown to a caller must never contain. */
public final class StatusMessages {

    private static final Pattern QUALIFIED_CLASS_NAME = Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]");

    private StatusMessages() {
    }

    public static void assertSafe(StatusRuntimeException e) {
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
}
