package io.registrationsigner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;

/**
 * Node.js and npm, for the tests that run buf (from npm) on the contract and the Node client
 * example. A machine without them skips those tests; CI sets SIGNER_TESTS_REQUIRE_NODE=true and
 * fails instead.
 */
public final class Node {

    public static final Path TOOLS = Path.of("target", "tools");

    private Node() {
    }

    /** node and npm on the PATH. */
    public static Optional<Path> npm() {
        Optional<Path> node = onPath("node");
        return node.isPresent() ? onPath("npm") : Optional.empty();
    }

    public static boolean required() {
        return Boolean.getBoolean("signer.tests.require-node") || "true".equals(System.getenv("SIGNER_TESTS_REQUIRE_NODE"));
    }

    /** npm, or the test is skipped (failed when {@link #required()}) with what to install. */
    public static Path assumeNpm(String what) {
        Optional<Path> npm = npm();
        if (npm.isEmpty()) {
            if (required()) {
                throw new IllegalStateException("Node.js and npm are required (SIGNER_TESTS_REQUIRE_NODE=true) but not on the PATH");
            }
            Assumptions.abort("Node.js 18+ with npm is not installed (apt-get install nodejs npm): " + what + " is skipped");
        }
        return npm.get();
    }

    /** buf at the version the build pins (the npm package @bufbuild/buf), installed once into target/tools. */
    public static Path buf() {
        String version = System.getProperty("buf.version", "1.75.0");
        Path prefix = TOOLS.resolve("buf-" + version).toAbsolutePath();
        Path buf = prefix.resolve("node_modules").resolve(".bin").resolve("buf");
        if (!Files.isExecutable(buf)) {
            Path npm = assumeNpm("buf lint and buf breaking");
            mkdirs(prefix);
            Command installed = Command.run(prefix, Map.of(), Duration.ofMinutes(3), List.of(npm.toString(), "install",
                    "--no-audit", "--no-fund", "--ignore-scripts", "--no-save", "@bufbuild/buf@" + version));
            if (installed.exitCode() != 0 || !Files.isExecutable(buf)) {
                throw new IllegalStateException("npm install @bufbuild/buf@" + version + " failed:\n" + installed.output());
            }
        }
        return buf;
    }

    /** npm ci in {@code dir} (a copy of an example), unless its node_modules is there already. */
    public static void npmCi(Path dir) {
        Path npm = assumeNpm("the Node client example");
        if (Files.isDirectory(dir.resolve("node_modules"))) {
            return;
        }
        Command installed = Command.run(dir, Map.of(), Duration.ofMinutes(3),
                List.of(npm.toString(), "ci", "--no-audit", "--no-fund", "--ignore-scripts"));
        if (installed.exitCode() != 0) {
            throw new IllegalStateException("npm ci in " + dir + " failed:\n" + installed.output());
        }
    }

    public static Path node() {
        return onPath("node").orElseThrow();
    }

    private static Optional<Path> onPath(String name) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
