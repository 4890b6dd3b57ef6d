package io.registrationsigner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Searches files for secrets, line by line; names the file and line of every hit, never the secret. */
public final class LogScan {

    private LogScan() {
    }

    /** Every regular file under {@code roots} (files or folders; missing ones are skipped). */
    public static List<Path> files(List<Path> roots) {
        List<Path> files = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(Files::isRegularFile).forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    /** The line quarkus-grpc logs once the gRPC server listens; group 1 is the port. */
    public static final Pattern GRPC_SERVER_STARTED = Pattern.compile("Started gRPC server on [^ ]+:(\\d+)");
    /** The line Quarkus logs once the management interface listens; group 1 is the port. */
    public static final Pattern MANAGEMENT_STARTED = Pattern.compile("Management interface listening on http://[^:]+:(\\d+)");

    /** An audit line of an issued legacy credential; groups: user, sequence. */
    private static final Pattern AUDITED_SIGNATURE = Pattern.compile(
            "\\[signer\\.audit] .*credential caller=\\S+ application=\\S+ user=(\\S+) scheme=legacy credential=(\\d+) outcome=ok");

    /** "user sequence" of every issued legacy credential that has an audit line in {@code log}. */
    public static Set<String> auditedSignatures(Path log) {
        try (Stream<String> lines = Files.lines(log)) {
            return lines.map(AUDITED_SIGNATURE::matcher).filter(Matcher::find)
                    .map(issued -> issued.group(1) + " " + issued.group(2))
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The log of the @QuarkusTest runs (%test.quarkus.log.file.path). */
    public static final Path TEST_LOG = Path.of("target", "test-logs", "quarkus-test.log");

    /** The packaged service's log, which the next @QuarkusIntegrationTest launch replaces. */
    public static final Path PACKAGED_SERVICE_LOG = Path.of("target", "test-logs", "packaged-service.log");

    /**
     * The port of the packaged service's management interface, from its log: @QuarkusIntegrationTest
     * starts it with a random management port that it does not report to the test.
     */
    public static int packagedServiceManagementPort() {
        return port(PACKAGED_SERVICE_LOG, MANAGEMENT_STARTED);
    }

    /** The port of the packaged service's gRPC server, from its log (started on a random port). */
    public static int packagedServiceGrpcPort() {
        return port(PACKAGED_SERVICE_LOG, GRPC_SERVER_STARTED);
    }

    /** The port in the first line of {@code log} that {@code listening} finds (its group 1). */
    public static int port(Path log, Pattern listening) {
        try {
            Matcher found = listening.matcher(Files.readString(log));
            if (!found.find()) {
                throw new IllegalStateException("no line like '" + listening + "' in " + log);
            }
            return Integer.parseInt(found.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Keeps a copy of the packaged service's log under the test class's name, for the final search. */
    public static void keepPackagedServiceLog(Class<?> testClass) {
        try {
            Files.copy(PACKAGED_SERVICE_LOG, PACKAGED_SERVICE_LOG.resolveSibling(
                    "packaged-service-" + testClass.getSimpleName() + ".log"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "file:line" of each line that contains one of {@code secrets}. */
    public static List<String> leaks(List<Path> files, List<String> secrets) {
        List<String> leaks = new ArrayList<>();
        for (Path file : files) {
            try {
                // Malformed bytes are replaced, not fatal: the files are logs, not text we wrote.
                String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
                String[] lines = text.split("\n", -1);
                boolean testJvmProperties = false;
                for (int i = 0; i < lines.length; i++) {
                    // A JUnit XML report lists the test JVM's system properties, the tests' own input
                    // (the secrets they configure): that block is not output of the service.
                    if (lines[i].contains("<properties>")) {
                        testJvmProperties = true;
                    }
                    if (testJvmProperties) {
                        testJvmProperties = !lines[i].contains("</properties>");
                        continue;
                    }
                    for (String secret : secrets) {
                        if (lines[i].contains(secret)) {
                            leaks.add(file + ":" + (i + 1));
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return leaks;
    }
}
