package io.registrationsigner.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserIdsTest {

    @ParameterizedTest
    @ValueSource(strings = { "alice", "A", "0", "user-1_2=", "dXNlckBleGFtcGxlLmNvbQ==", "ABCXYZabcxyz0189-_=" })
    void acceptsSinchUserIds(String userId) {
        assertEquals(Optional.empty(), UserIds.problem(userId));
    }

    @Test
    void acceptsExactly255Bytes() {
        String userId = "a".repeat(255);
        assertEquals(255, userId.getBytes(StandardCharsets.UTF_8).length);
        assertEquals(Optional.empty(), UserIds.problem(userId));
    }

    @Test
    void rejects256Bytes() {
        Optional<String> problem = UserIds.problem("a".repeat(256));
        assertTrue(problem.orElseThrow().contains("256 characters"), problem.get());
    }

    @ParameterizedTest
    @ValueSource(strings = { "alice@example.com", "a b", "a:b", "a/b", "a+b", "a.b", "zoë", "名前", "a\u0000b", "a\nb" })
    void rejectsCharactersOutsideTheAlphabet(String userId) {
        String problem = UserIds.problem(userId).orElseThrow();
        assertTrue(problem.startsWith(UserIds.RULE), problem);
        assertTrue(problem.contains("not allowed"), problem);
    }

    @Test
    void rejectsEmptyAndMissing() {
        assertTrue(UserIds.problem("").orElseThrow().contains("empty"));
        assertTrue(UserIds.problem(null).orElseThrow().contains("empty"));
    }
}
