package io.registrationsigner.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** The gateway tests run with nginx, are skipped without it, and fail without it only where it is required. */
class NginxTest {

    @Test
    void withNginxTheTestsRun() {
        assertDoesNotThrow(() -> Nginx.assumeAvailable(true, false));
        assertDoesNotThrow(() -> Nginx.assumeAvailable(true, true));
    }

    @Test
    void withoutNginxTheyAreSkippedWithWhatToInstall() {
        TestAbortedException skipped = assertThrows(TestAbortedException.class, () -> Nginx.assumeAvailable(false, false));
        assertTrue(skipped.getMessage().contains("apt-get install nginx"), skipped.getMessage());
    }

    @Test
    void withoutNginxWhereItIsRequiredTheyFail() {
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> Nginx.assumeAvailable(false, true));
        assertTrue(failed.getMessage().contains("SIGNER_TESTS_REQUIRE_NGINX=true"), failed.getMessage());
    }
}
