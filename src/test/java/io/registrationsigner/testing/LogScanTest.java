package io.registrationsigner.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scanner that proves no secret reaches a log must itself find a planted one, and skip only
 * the test JVM's own system properties in JUnit reports.
 */
class LogScanTest {

    @Test
    void findsAPlantedSecretAndNothingInACleanLog(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("clean.log"), "INFO started\nWARN Redis down\n");
        Files.createDirectories(dir.resolve("nested"));
        Files.writeString(dir.resolve("nested/leaky.log"), "INFO ok\nDEBUG secret=" + TestApplication.OTHER.secret() + "\n");

        Files.writeString(dir.resolve("TEST-report.xml"), "<testsuite>\n<properties>\n<property name=\"s\" value=\""
                + TestApplication.VECTOR.secret() + "\"/>\n</properties>\n<system-out>" + TestApplication.VECTOR.secret()
                + "</system-out>\n</testsuite>\n");

        List<Path> files = LogScan.files(List.of(dir, dir.resolve("missing")));
        assertEquals(3, files.size());
        assertEquals(List.of(dir.resolve("TEST-report.xml") + ":5", dir.resolve("nested/leaky.log") + ":2"),
                LogScan.leaks(files.stream().sorted().toList(), TestApplication.ALL_SECRETS));
    }
}
