package io.registrationsigner.application;

import java.util.Optional;

/** The shape of a Sinch Application Key: a UUID in practice; checked loosely but strictly enough to be safe as a Redis key part. */
public final class ApplicationKeys {

    public static final int MAX_LENGTH = 64;

    public static final String RULE = "application_key must be 1 to " + MAX_LENGTH
            + " characters of A-Z a-z 0-9 - (a Sinch Application Key is a UUID)";

    private ApplicationKeys() {
    }

    /** @return why {@code key} cannot be a Sinch Application Key, or empty when it can. */
    public static Optional<String> problem(String key) {
        if (key == null || key.isEmpty()) {
            return Optional.of(RULE + "; it is empty");
        }
        if (key.length() > MAX_LENGTH) {
            return Optional.of(RULE + "; it has " + key.length() + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!allowed) {
                return Optional.of(RULE + "; the character at index " + i + " is not allowed");
            }
        }
        return Optional.empty();
    }
}
