package io.registrationsigner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM options with which docker/Dockerfile.jvm runs the service, in the memory that the
 * Kubernetes Deployment gives its container: what a pod's JVM has, for a test on this machine.
 */
public final class ContainerJvm {

    private static final Pattern ENV = Pattern.compile("(?m)^ENV (GC_CONTAINER_OPTIONS|JAVA_OPTS_APPEND)=\"([^\"]*)\"");
    private static final Pattern MEMORY_LIMIT = Pattern.compile("limits:\\s+memory: (\\d+)Mi");

    private ContainerJvm() {
    }

    /** The image's options but its AOT cache, with -XX:MaxRAM at the container's limit and run-java.sh's exit on OutOfMemoryError. */
    public static List<String> options() {
        List<String> options = new ArrayList<>();
        options.add("-XX:MaxRAM=" + memoryLimitMiB() + "m");
        options.addAll(jvmImageOptions());
        return options;
    }

    /** What docker/Dockerfile.jvm gives the JVM but its AOT cache, in a container without a memory limit. */
    public static List<String> jvmImageOptions() {
        List<String> options = new ArrayList<>();
        Matcher env = ENV.matcher(read(Path.of("docker", "Dockerfile.jvm")));
        while (env.find()) {
            Arrays.stream(env.group(2).split("\\s+")).filter(option -> !option.startsWith("-XX:AOTCache"))
                    .forEach(options::add);
        }
        options.add("-XX:+ExitOnOutOfMemoryError");
        return options;
    }

    /**
     * The options of docker/Dockerfile.native's ENTRYPOINT, which the JVM understands too: on this
     * machine, which cannot build the executable, the JVM runs in its place.
     */
    public static List<String> nativeImageOptions() {
        Matcher entrypoint = Pattern.compile("(?m)^ENTRYPOINT \\[\"\\./application\"((?:, \"[^\"]+\")*)]").matcher(
                read(Path.of("docker", "Dockerfile.native")));
        if (!entrypoint.find()) {
            throw new AssertionError("Dockerfile.native has no ENTRYPOINT [\"./application\", ...]");
        }
        return Arrays.stream(entrypoint.group(1).split(",")).map(String::trim).filter(o -> !o.isEmpty())
                .map(o -> o.substring(1, o.length() - 1)).toList();
    }

    /** The USER of a Dockerfile in docker/. */
    public static int user(String dockerfile) {
        Matcher user = Pattern.compile("(?m)^USER (\\d+)$").matcher(read(Path.of("docker", dockerfile)));
        int last = -1;
        while (user.find()) {
            last = Integer.parseInt(user.group(1));
        }
        if (last < 0) {
            throw new AssertionError(dockerfile + " runs as no numeric USER");
        }
        return last;
    }

    /** resources.limits.memory of the Deployment's container. */
    public static int memoryLimitMiB() {
        Matcher limit = MEMORY_LIMIT.matcher(read(Path.of("docker", "kubernetes", "deployment.yaml")));
        if (!limit.find()) {
            throw new AssertionError("deployment.yaml sets no memory limit in Mi");
        }
        return Integer.parseInt(limit.group(1));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
