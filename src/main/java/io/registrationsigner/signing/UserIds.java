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

    private static final CharacterRule CHARACTERS = new CharacterRule(RULE, MAX_LENGTH,
            c -> CharacterRule.isAsciiLetterOrDigit(c) || c == '-' || c == '_' || c == '=');

    private UserIds() {
    }

    /** @return why {@code userId} is not a valid Sinch user id, or empty when it is valid. */
    public static Optional<String> problem(String userId) {
        return CHARACTERS.problem(userId);
    }
}
