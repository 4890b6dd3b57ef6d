package io.registrationsigner.configuration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.ConfigurationException;

class ConfigurationProblemsTest {

    @Test
    void oneMessageListsEveryProblemWithItsDocumentation() {
        ConfigurationProblems problems = new ConfigurationProblems();
        problems.throwIfAny();
        problems.add("quarkus.redis.hosts is not set", "docs/redis.md");
        problems.add("No Sinch application is configured", "docs/configuration.md#applications");
        ConfigurationException e = assertThrows(ConfigurationException.class, problems::throwIfAny);
        assertEquals(String.join(System.lineSeparator(), "The service cannot start with this configuration (2 problems):",
                "  - quarkus.redis.hosts is not set (docs/redis.md)",
                "  - No Sinch application is configured (docs/configuration.md#applications)"), e.getMessage());
        assertEquals(null, e.getCause());
    }

    @Test
    void aSingleProblemIsNotCounted() {
        ConfigurationProblems problems = new ConfigurationProblems();
        problems.add("signer.token.min-ttl must be at least 60s", "docs/configuration.md#all-properties");
        ConfigurationException e = assertThrows(ConfigurationException.class, problems::throwIfAny);
        assertTrue(e.getMessage().startsWith("The service cannot start with this configuration:" + System.lineSeparator()
                + "  - signer.token.min-ttl"), e.getMessage());
    }

    /** Every page and section a problem points at exists. */
    @Test
    void everyDocumentationReferenceOfTheCodeExists() throws IOException {
        Pattern reference = Pattern.compile("\"(docs/[a-z-]+\\.md)(?:#([a-z0-9-]+))?\"");
        List<String> found = new ArrayList<>();
        try (Stream<Path> sources = Files.walk(Path.of("src", "main", "java"))) {
            for (Path source : sources.filter(path -> path.toString().endsWith(".java")).toList()) {
                Matcher matcher = reference.matcher(Files.readString(source));
                while (matcher.find()) {
                    Path page = Path.of(matcher.group(1));
                    assertTrue(Files.exists(page), source + " names " + page);
                    if (matcher.group(2) != null) {
                        assertTrue(anchors(page).contains(matcher.group(2)), source + " names " + matcher.group(0));
                    }
                    found.add(matcher.group(0));
                }
            }
        }
        assertTrue(found.size() >= 8, found.toString());
    }

    /** GitHub's anchors of the page's headings. */
    private static List<String> anchors(Path page) throws IOException {
        return Files.readAllLines(page).stream().filter(line -> line.startsWith("#"))
                .map(line -> line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT)
                        .replaceAll("[^a-z0-9 -]", "").replace(' ', '-'))
                .toList();
    }
}
