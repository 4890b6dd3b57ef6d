package io.registrationsigner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The images run the service as a user that owns none of what it runs. */
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
}
