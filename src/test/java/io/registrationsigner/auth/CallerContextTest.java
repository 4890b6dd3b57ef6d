package io.registrationsigner.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.grpc.Context;

/** Without the caller that AuthInterceptor put into the call's context, a call fails closed. */
class CallerContextTest {

    @Test
    void outsideAnAuthenticatedCallThereIsNoCallerUnlessAnonymousCallersAreAllowed() {
        assertTrue(CallerContext.current(false).isEmpty());
        assertEquals(Caller.ANONYMOUS, CallerContext.current(true).orElseThrow().caller());
    }

    @Test
    void insideOneItIsTheCallerItNames() throws Exception {
        CallerContext backend = new CallerContext(new Caller("backend", null, false), Optional.empty(), Optional.empty());
        Context.current().withValue(CallerContext.KEY, backend).call(() -> {
            assertEquals(backend, CallerContext.current(false).orElseThrow());
            assertEquals(backend, CallerContext.current(true).orElseThrow());
            return null;
        });
    }
}
