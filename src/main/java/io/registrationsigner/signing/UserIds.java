package io.registrationsigner.signing;

import java.util.Optional;

/**
 * Sinch's rule for user ids: 1 to 255 bytes of {@code A-Z a-z 0-9 - _ =}.
 * All allowed characters are ASCII, so characters and UTF-8 bytes count the same.
 */
public final class UserIds {

    public static final int MAX_LENGTH = 255;

    public static final String RULE = "user_id must be 1 to " + MAX_LENGTH
            + " characters of A-Z a-z 0-9 - _ = (URL-safe Base64 fits)";

    private UserIds() {
    }

    /** @return why {@code userId} is not a valid Sinch user id, or empty when it is valid. */
    public static Optional<String> problem(String userId) {
        if (userId == null || userId.isEmpty()) {
            return Optional.of(RULE + "; it is empty");
        }
        if (userId.length() > MAX_LENGTH) {
            return Optional.of(RULE + "; it has " + userId.length() + " characters");
        }
        for (int i = 0; i < userId.length(); i++) {
            if (!isAllowed(userId.charAt(i))) {
                return Optional.of(RULE + "; the character at index " + i + " is not allowed");
            }
        }
        return Optional.empty();
    }

    private static boolean isAllowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '_' || c == '=';
    }
}
