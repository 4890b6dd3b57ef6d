package io.registrationsigner.signing;

import java.util.Optional;

/**
 * The shape of a Sinch Application Key (a UUID in practice), checked loosely but strictly enough
 * to be safe as part of a Redis key.
 */
public final class ApplicationKeys {

    public static final int MAX_LENGTH = 64;

    public static final String RULE = "application_key must be 1 to " + MAX_LENGTH
            + " characters of A-Z a-z 0-9 - (a Sinch Application Key is a UUID)";

    private static final CharacterRule CHARACTERS = new CharacterRule(RULE, MAX_LENGTH,
            c -> CharacterRule.isAsciiLetterOrDigit(c) || c == '-');

    private ApplicationKeys() {
    }

    /** @return why {@code key} cannot be a Sinch Application Key, or empty when it can. */
    public static Optional<String> problem(String key) {
        return CHARACTERS.problem(key);
    }
}
