package io.registrationsigner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.registrationsigner.testing.Command;

/**
 * Prometheus' own tool on the shipped alert rules: they parse as Prometheus reads them, and
 * the unit tests of src/test/resources/prometheus make each alert fire on its series, after its
 * "for", and stay quiet on a healthy service. promtool comes with Debian's prometheus package;
 * without it these are skipped (CI sets SIGNER_TESTS_REQUIRE_PROMTOOL=true and fails instead).
 */
class PrometheusRulesTest {

    private static final Path RULE_TESTS = Path.of("src", "test", "resources", "prometheus", "registration-signer-alerts-test.yaml");

    private static Path promtool;

    @BeforeAll
    static void findPromtool() {
        Optional<Path> found = Optional.ofNullable(System.getenv("SIGNER_PROMTOOL")).map(Path::of).filter(Files::isExecutable)
                .or(() -> Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                        .map(dir -> Path.of(dir.isEmpty() ? "." : dir, "promtool")).filter(Files::isExecutable).findFirst());
        if (found.isEmpty()) {
            if ("true".equals(System.getenv("SIGNER_TESTS_REQUIRE_PROMTOOL"))) {
                throw new IllegalStateException("promtool is required (SIGNER_TESTS_REQUIRE_PROMTOOL=true) but neither"
                        + " SIGNER_PROMTOOL nor the PATH has it");
            }
            Assumptions.abort("promtool is not installed (Debian's prometheus package: apt-get install prometheus):"
                    + " the alert rule checks are skipped");
        }
        promtool = found.get();
    }

    @Test
    void theRulesParseAsPrometheusReadsThem() {
        Command check = promtool("check", "rules", AlertsAndDashboardTest.ALERTS.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertTrue(check.output().contains("SUCCESS: 10 rules found"), check.output());
    }

    @Test
    void eachAlertFiresOnItsSeriesAndNotOnAHealthyService() {
        Command test = promtool("test", "rules", RULE_TESTS.toString());
        assertEquals(0, test.exitCode(), test.output());
        assertTrue(test.output().contains("SUCCESS"), test.output());
    }

    private static Command promtool(String... arguments) {
        List<String> command = new java.util.ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(arguments));
        return Command.run(Path.of("."), Map.of(), Duration.ofMinutes(1), command);
    }
}
