package io.registrationsigner.transport;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.Deadline;

class DeadlineInterceptorTest {

    @Test
    void grpcTimeoutHeadersBecomeDeadlines() {
        assertAbout(DeadlineInterceptor.parse("300m"), 300);
        assertAbout(DeadlineInterceptor.parse("2S"), 2_000);
        assertAbout(DeadlineInterceptor.parse("1M"), 60_000);
        assertAbout(DeadlineInterceptor.parse("1H"), 3_600_000);
        assertAbout(DeadlineInterceptor.parse("250000u"), 250);
        assertAbout(DeadlineInterceptor.parse("99999999n"), 100);
    }

    @Test
    void malformedHeadersAreIgnored() {
        for (String header : new String[] { null, "", "m", "10", "10x", "-5m", "123456789m", "1.5S" }) {
            assertNull(DeadlineInterceptor.parse(header), header);
        }
    }

    private static void assertAbout(Deadline deadline, long millis) {
        long remaining = deadline.timeRemaining(TimeUnit.MILLISECONDS);
        assertTrue(remaining <= millis && remaining >= millis - 1_000, remaining + " ms left, expected about " + millis);
    }
}
