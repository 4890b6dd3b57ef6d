package io.registrationsigner.signing;

import java.util.Optional;
import java.util.function.IntPredicate;

/** A Sinch identifier rule: 1 to {@code maxLength} characters, each allowed by {@code allowed}. */
record CharacterRule(String description, int maxLength, IntPredicate allowed) {

    /** @return why {@code value} breaks the rule, starting with the rule itself, or empty when it does not. */
    Optional<String> problem(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.of(description + "; it is empty");
        }
        if (value.length() > maxLength) {
            return Optional.of(description + "; it has " + value.length() + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (!allowed.test(value.charAt(i))) {
                // The index, not the character: the message must not echo arbitrary input.
                return Optional.of(description + "; the character at index " + i + " is not allowed");
            }
        }
        return Optional.empty();
    }

    static boolean isAsciiLetterOrDigit(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
