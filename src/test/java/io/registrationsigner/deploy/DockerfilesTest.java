package io.registrationsigner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The images run the service as a user that owns none of what it runs; the JVM image's collector
 * and heap are those its AOT cache is trained with and those the benchmark measures.
 */
class DockerfilesTest {

    @ParameterizedTest
    @ValueSource(strings = { "Dockerfile.jvm", "Dockerfile.native" })
    void theRuntimeUserIsNotRootAndOwnsNothingItRuns(String dockerfile) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("docker", dockerfile));
        int lastStage = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("FROM ")) {
                lastStage = i;
            }
        }
        List<String> runtime = lines.subList(lastStage, lines.size());
        List<String> users = runtime.stream().filter(line -> line.startsWith("USER ")).toList();
        assertEquals(1, users.size(), users.toString());
        String user = users.get(0).substring("USER ".length()).trim();
        assertNotEquals("root", user);
        assertNotEquals("0", user);
        for (String line : runtime) {
            if (line.startsWith("COPY ") || line.startsWith("ADD ")) {
                assertFalse(line.contains("--chown"), "files of the runtime image handed to a user: " + line);
            }
        }
    }

    @Test
    void theAotTrainingAndTheBenchmarkRunTheJvmImagesCollectorAndHeap() throws IOException {
        String dockerfile = Files.readString(Path.of("docker", "Dockerfile.jvm")).replace("\\\n", " ");
        List<String> gc = words(env(dockerfile, "GC_CONTAINER_OPTIONS"));
        List<String> heap = words(env(dockerfile, "JAVA_OPTS_APPEND")).stream()
                .filter(option -> option.startsWith("-XX:") && !option.startsWith("-XX:AOTCache")).toList();
        assertEquals(List.of("-XX:+UseSerialGC"), gc);
        assertFalse(heap.isEmpty(), "no heap options in JAVA_OPTS_APPEND");

        String training = dockerfile.lines().filter(line -> line.startsWith("RUN ") && line.contains("aot-training.sh"))
                .findFirst().orElseThrow();
        List<String> benchmark = words(property(Files.readString(Path.of("pom.xml")), "bench.jvm-options"));
        for (String option : Stream.concat(gc.stream(), heap.stream()).toList()) {
            assertTrue(words(training).contains(option), "the AOT training runs without " + option + ": " + training);
            assertTrue(benchmark.contains(option), "the benchmark runs the service without " + option + ": " + benchmark);
        }
    }

    private static String env(String dockerfile, String name) {
        Matcher env = Pattern.compile("(?m)^ENV " + name + "=\"([^\"]*)\"").matcher(dockerfile);
        assertTrue(env.find(), "Dockerfile.jvm sets no " + name);
        return env.group(1);
    }

    private static String property(String pom, String name) {
        Matcher property = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</").matcher(pom);
        assertTrue(property.find(), "pom.xml has no property " + name);
        return property.group(1);
    }

    private static List<String> words(String text) {
        return Arrays.asList(text.trim().split("\\s+"));
    }
}
