package io.registrationsigner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A command run to its end by a test: its exit code and its output (stdout and stderr). */
public record Command(int exitCode, String output) {

    public List<String> lines() {
        return output.lines().toList();
    }

    public static Command run(Path dir, Map<String, String> environment, Duration timeout, List<String> command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(environment);
            Process process = builder.start();
            // Read while it runs: a full pipe would stall it.
            var output = new java.io.ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try {
                    process.getInputStream().transferTo(output);
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                reader.join(1000);
                throw new AssertionError(String.join(" ", command) + " did not end within " + timeout + ":\n"
                        + output.toString(StandardCharsets.UTF_8));
            }
            reader.join(5000);
            return new Command(process.exitValue(), output.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
