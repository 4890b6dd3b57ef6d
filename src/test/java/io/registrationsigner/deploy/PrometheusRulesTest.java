package io.registrationsigner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.registrationsigner.testing.Command;

/**
 * Prometheus' own tool on the shipped alert rules: they parse as Prometheus reads them, and
 * the unit tests of src/test/resources/prometheus make each alert fire on its series, after its
 * "for", and stay quiet on a healthy service. promtool comes with Debian's prometheus package;
 * without it those two are skipped (CI sets SIGNER_TESTS_REQUIRE_PROMTOOL=true and fails instead).
 * That every alert has its unit tests is checked without promtool.
 */
class PrometheusRulesTest {

    private static final Path RULE_TESTS = Path.of("src", "test", "resources", "prometheus", "registration-signer-alerts-test.yaml");

    @Test
    void everyAlertHasAUnitTestThatFiresItAndOneThatKeepsItQuiet() throws IOException {
        Set<String> alerts = new TreeSet<>();
        for (JsonNode rule : AlertsAndDashboardTest.rules()) {
            alerts.add(rule.path("alert").asText());
        }
        Set<String> fired = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        JsonNode unitTests = new ObjectMapper(new YAMLFactory()).readTree(RULE_TESTS.toFile());
        List<Path> ruleFiles = new ArrayList<>();
        unitTests.path("rule_files").forEach(file -> ruleFiles.add(RULE_TESTS.resolveSibling(file.asText()).normalize()));
        assertEquals(List.of(AlertsAndDashboardTest.ALERTS), ruleFiles, "the unit tests load the shipped rules");
        for (JsonNode test : unitTests.path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                String alert = check.path("alertname").asText();
                assertTrue(alerts.contains(alert), test.path("name").asText() + " tests an alert the rules do not have: " + alert);
                (check.path("exp_alerts").isEmpty() ? quiet : fired).add(alert);
            }
        }
        Set<String> neverFired = new TreeSet<>(alerts);
        neverFired.removeAll(fired);
        assertEquals(Set.of(), neverFired, "alerts that no unit test of " + RULE_TESTS + " fires");
        Set<String> neverQuiet = new TreeSet<>(alerts);
        neverQuiet.removeAll(quiet);
        assertEquals(Set.of(), neverQuiet, "alerts that no unit test of " + RULE_TESTS + " expects quiet");
    }

    @Test
    void theRulesParseAsPrometheusReadsThem() throws IOException {
        Command check = promtool("check", "rules", AlertsAndDashboardTest.ALERTS.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertTrue(check.output().contains("SUCCESS: " + AlertsAndDashboardTest.rules().size() + " rules found"), check.output());
    }

    @Test
    void eachAlertFiresOnItsSeriesAndNotOnAHealthyService() {
        Command test = promtool("test", "rules", RULE_TESTS.toString());
        assertEquals(0, test.exitCode(), test.output());
        assertTrue(test.output().contains("SUCCESS"), test.output());
    }

    private static Command promtool(String... arguments) {
        List<String> command = new ArrayList<>(List.of(promtool().toString()));
        command.addAll(List.of(arguments));
        return Command.run(Path.of("."), Map.of(), Duration.ofMinutes(1), command);
    }

    /** SIGNER_PROMTOOL or promtool on the PATH; the calling test is skipped without one, unless CI requires it. */
    private static Path promtool() {
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
        return found.get();
    }
}
