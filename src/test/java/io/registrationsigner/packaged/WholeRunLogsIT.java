package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.registrationsigner.testing.LogScan;
import io.registrationsigner.testing.TestApplication;

/**
 * Runs last (failsafe runs the *IT classes in alphabetical order): by now the unit tests, every
 * @QuarkusTest, the packaged services and the instances the tests started have all logged.
 */
class WholeRunLogsIT {

    @Test
    void noSecretOrCallerTokenInAnyLogOfTheTestRun() throws IOException {
        Path logs = Path.of("target", "test-logs");
        assertTrue(Files.readString(logs.resolve("quarkus-test.log")).contains("Profile test activated"),
                "the @QuarkusTest runs' log");
        for (String log : new String[] { "packaged-service-PackagedServiceIT.log", "packaged-service-RateLimitIT.log",
                "rate-limit-second-instance.log" }) {
            assertTrue(Files.readString(logs.resolve(log)).contains("Profile prod activated"), log);
        }
        List<Path> files = LogScan.files(List.of(logs, Path.of("target", "surefire-reports"),
                Path.of("target", "failsafe-reports")));
        assertEquals(List.of(), LogScan.leaks(files, TestApplication.ALL_SECRETS));
    }
}
