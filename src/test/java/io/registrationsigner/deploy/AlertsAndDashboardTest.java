package io.registrationsigner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.LegacyCredential;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.testing.Http;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * The shipped Prometheus alert rules and Grafana dashboard: the JVM's memory, garbage collection,
 * CPU and the event loops are on the dashboard, and every alert says how bad it is and where its
 * runbook is. That every metric they use is served: {@link MetricNamesIT}.
 */
@QuarkusTest
@WithTestResource(SignerTestResource.class)
class AlertsAndDashboardTest extends ServiceTestBase {

    static final Path ALERTS = Path.of("docker", "prometheus", "registration-signer-alerts.yaml");
    static final Path DASHBOARD = Path.of("docker", "grafana", "registration-signer-dashboard.json");
    private static final Path RUNBOOKS = Path.of("docs", "operations.md");

    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    /** PromQL's functions, aggregations and keywords that the rules and panels use; the rest are metrics. */
    private static final Set<String> PROMQL = Set.of("sum", "min", "max", "avg", "count", "rate", "increase",
            "irate", "histogram_quantile", "absent", "max_over_time", "min_over_time", "by", "without", "on",
            "ignoring", "and", "or", "unless", "bool", "offset");

    @Test
    void theDashboardShowsMemoryGarbageCollectionCpuAndTheEventLoopsOfTheServicesPodsOnly() throws IOException {
        Map<String, String> panels = new LinkedHashMap<>();
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt()), "two panels with id " + panel.path("id"));
            StringBuilder exprs = new StringBuilder();
            panel.path("targets").forEach(target -> exprs.append(target.path("expr").asText()).append('\n'));
            panels.put(panel.path("title").asText(), exprs.toString());
        }
        assertPanel(panels, "heap used against its maximum", "jvm_memory_used_bytes{area=\"heap\"}", "jvm_memory_max_bytes{area=\"heap\"}");
        assertPanel(panels, "non-heap memory and direct buffers used against their maximum",
                "jvm_memory_used_bytes{area=\"nonheap\"}", "jvm_buffer_memory_used_bytes{id=\"direct\"}",
                "jvm_buffer_memory_max_bytes{id=\"direct\"}");
        assertPanel(panels, "time in garbage collection pauses", "rate(jvm_gc_pause_seconds_sum[");
        assertPanel(panels, "garbage collection pauses", "rate(jvm_gc_pause_seconds_count[");
        assertPanel(panels, "process CPU", "process_cpu_");
        assertPanel(panels, "event loop delay", "signer_event_loop_delay_seconds", "signer_event_loop_stall_seconds");
        // jvm_*, process_*, netty_*: any JVM that Prometheus scrapes has them, not the service alone.
        for (Map.Entry<String, String> panel : panels.entrySet()) {
            for (String expr : panel.getValue().lines().toList()) {
                if (metricsIn(expr).stream().anyMatch(name -> !name.startsWith("signer_"))) {
                    assertTrue(expr.contains(" and on (job, instance) signer_redis_up"),
                            panel.getKey() + ": not only the service's series: " + expr);
                }
            }
        }
    }

    private static void assertPanel(Map<String, String> panels, String what, String... queried) {
        assertTrue(panels.values().stream().anyMatch(exprs -> Stream.of(queried).allMatch(exprs::contains)),
                "no panel shows " + what + " (" + String.join(", ", queried) + ")");
    }

    @Test
    void everyAlertHasASeverityASummaryAndARunbookSection() throws IOException {
        String runbooks = Files.readString(RUNBOOKS);
        List<JsonNode> rules = rules();
        assertTrue(rules.size() >= 8, rules.size() + " rules");
        for (JsonNode rule : rules) {
            String alert = rule.path("alert").asText();
            assertTrue(alert.startsWith("RegistrationSigner"), alert);
            assertTrue(Set.of("critical", "warning", "info").contains(rule.path("labels").path("severity").asText()), alert);
            assertFalse(rule.path("annotations").path("summary").asText().isBlank(), alert);
            assertFalse(rule.path("annotations").path("description").asText().isBlank(), alert);
            String runbook = rule.path("annotations").path("runbook").asText();
            assertEquals("docs/operations.md#" + alert.toLowerCase(Locale.ROOT), runbook, alert);
            assertTrue(runbooks.contains("\n### " + alert + "\n"), "docs/operations.md has no section " + alert);
        }
    }

    /** Metric names of a PromQL expression: identifiers that are not PromQL's, outside label matchers, strings, ranges, offsets and groupings. */
    static Set<String> metricsIn(String expr) {
        String bare = expr.replaceAll("\\{[^}]*}", " ")
                .replaceAll("\"[^\"]*\"", " ")
                .replaceAll("\\[[^\\]]*]", " ")
                .replaceAll("\\boffset\\s+-?[0-9a-z]+", " ")
                .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\$\\w+", " ");
        Set<String> names = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(bare);
        while (identifier.find()) {
            String name = identifier.group();
            if (!PROMQL.contains(name) && !bare.substring(identifier.end()).stripLeading().startsWith("(")) {
                names.add(name);
            }
        }
        return names;
    }

    static Set<String> metricNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.lines().toList()) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                Matcher name = IDENTIFIER.matcher(line);
                if (name.lookingAt()) {
                    names.add(name.group());
                }
            }
        }
        return names;
    }

    static String family(String name) {
        return name.replaceAll("_(bucket|count|sum|max|total)$", "");
    }

    static List<JsonNode> rules() throws IOException {
        List<JsonNode> rules = new ArrayList<>();
        for (JsonNode group : new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile()).path("groups")) {
            group.path("rules").forEach(rules::add);
        }
        return rules;
    }

    static List<String> alertExpressions() throws IOException {
        return rules().stream().map(rule -> rule.path("expr").asText()).toList();
    }

    static List<String> dashboardExpressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asText());
            }
        }
        assertFalse(exprs.isEmpty(), "no panel queries in " + DASHBOARD);
        return exprs;
    }
}
