package io.registrationsigner.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.registrationsigner.credential.Failure;

/** The token of an authorization header is taken exactly as sent, or refused. */
class BearerTokenTest {

    @ParameterizedTest
    @ValueSource(strings = { "Bearer abc-DEF_123.~+/", "bearer abc-DEF_123.~+/", "BEARER abc-DEF_123.~+/" })
    void aB64TokenIsTakenAsItIs(String authorization) {
        assertEquals("abc-DEF_123.~+/", AuthInterceptor.bearerToken(authorization));
        assertEquals("YWJj==", AuthInterceptor.bearerToken("Bearer YWJj=="));
    }

    @ParameterizedTest
    @ValueSource(strings = { "Bearer ", "Bearer  ", "Bearer \t", "Bearer \u0000", "Bearer \u000b", "Bearer token ",
            "Bearer  token", "Bearer token\t", "Bearer tok\u0001en", "Bearer to ken", "Bearer =token", "Bearer tok=en",
            "Bearer tökén", "Basic dXNlcjpwYXNz", "Bearertoken", "token" })
    void anythingElseIsRefusedNeverTrimmed(String authorization) {
        assertThrows(Failure.class, () -> AuthInterceptor.bearerToken(authorization));
    }

    /** Every ASCII character outside RFC 6750's b64token set, the neighbours of its ranges included. */
    @Test
    void everyOtherAsciiCharacterIsRefused() {
        String allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";
        for (char c = 0; c < 128; c++) {
            String token = "ab" + c + "cd";
            if (allowed.indexOf(c) >= 0) {
                assertEquals(token, AuthInterceptor.bearerToken("Bearer " + token));
            } else {
                assertThrows(Failure.class, () -> AuthInterceptor.bearerToken("Bearer " + token), "character " + (int) c);
            }
        }
        assertThrows(Failure.class, () -> AuthInterceptor.bearerToken("Bearer ==="));
        assertThrows(Failure.class, () -> AuthInterceptor.bearerToken("Bearer a=b="));
    }

    @ParameterizedTest
    @ValueSource(ints = { 512, 513 })
    void tokensAreAtMost512Characters(int length) {
        String authorization = "Bearer " + "a".repeat(length);
        if (length <= AuthInterceptor.MAX_TOKEN_LENGTH) {
            assertEquals(length, AuthInterceptor.bearerToken(authorization).length());
        } else {
            assertThrows(Failure.class, () -> AuthInterceptor.bearerToken(authorization));
        }
    }
}
