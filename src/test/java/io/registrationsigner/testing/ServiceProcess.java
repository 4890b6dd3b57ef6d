package io.registrationsigner.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.Writer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Properties;
import java.util.UUID;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Another instance of the packaged service (target/quarkus-app), started by a test next to the
 * one @QuarkusIntegrationTest runs, on a free port, logging into target/test-logs.
 */
public final class ServiceProcess implements AutoCloseable {

    /** The JVM running the tests. */
    private static final Path THIS_JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final Pattern STARTED = Pattern.compile("Quarkus [^ ]+\\) started in ");

    private final Process process;
    private final Path log;
    private final URL url;
    private final ConsolePipe console;

    private ServiceProcess(Process process, Path log, URL url, ConsolePipe console) {
        this.process = process;
        this.log = log;
        this.url = url;
        this.console = console;
    }

    /** Starts it with these configuration properties and waits until it listens. */
    public static ServiceProcess start(String name, Map<String, String> config) {
        return start(name, config, List.of());
    }

    /** Starts it with these JVM options (a small heap, say) and configuration properties. */
    public static ServiceProcess start(String name, Map<String, String> config, List<String> jvmOptions) {
        return start(name, config, jvmOptions, THIS_JAVA);
    }

    /** Starts it on the JVM of this {@code java} executable. */
    public static ServiceProcess start(String name, Map<String, String> config, List<String> jvmOptions, Path java) {
        return start(name, config, jvmOptions, java, null);
    }

    private static ServiceProcess start(String name, Map<String, String> config, List<String> jvmOptions, Path java,
            ConsolePipe console) {
        try {
            Path log = Files.createDirectories(Path.of("target", "test-logs")).resolve(name + ".log");
            List<String> command = new ArrayList<>();
            command.add(java.toString());
            command.addAll(jvmOptions);
            command.add("-Dquarkus.grpc.server.port=0");
            if (!config.containsKey("quarkus.shutdown.delay")) {
                // The prod profile's 5 s of readiness DOWN before stopping is for Kubernetes, not for tests.
                command.add("-Dquarkus.shutdown.delay=0s");
            }
            config.forEach((key, value) -> command.add("-D" + key + "=" + value));
            command.add("-Dquarkus.management.port=0");
            command.add("-jar");
            command.add(Path.of("target", "quarkus-app", "quarkus-run.jar").toString());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            Process process = builder.redirectOutput(console == null ? log.toFile() : console.open(log).toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && process.isAlive()) {
                String output = Files.readString(log);
                Matcher listening = LogScan.GRPC_SERVER_STARTED.matcher(output);
                // Listening, and started: the start-up checks that may still stop it have run.
                if (listening.find() && STARTED.matcher(output).find()) {
                    return new ServiceProcess(process, log, new URL("http://localhost:" + listening.group(1)), console);
                }
                Thread.sleep(100);
            }
            process.destroyForcibly();
            throw new IllegalStateException(name + " did not start:\n" + Files.readString(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * An instance with the one application {@link TestApplication#VECTOR} (its secret in a config
     * file, as from a mounted Secret), anonymous callers allowed, sequences from 1 (floor none),
     * and {@code config} on top.
     */
    public static ServiceProcess startWithVector(String name, Map<String, String> config) {
        return startWithVector(name, config, List.of());
    }

    public static ServiceProcess startWithVector(String name, Map<String, String> config, List<String> jvmOptions) {
        return startWithVector(name, config, jvmOptions, THIS_JAVA);
    }

    public static ServiceProcess startWithVector(String name, Map<String, String> config, List<String> jvmOptions, Path java) {
        return startWithVector(name, config, jvmOptions, java, null);
    }

    /**
     * With its console on a pipe, as a container runtime has it, that the test drains into the log
     * and can stop draining ({@link #stallConsole()}), as a stalled log collector does.
     */
    public static ServiceProcess startWithVectorOnAPipe(String name, Map<String, String> config) {
        return startWithVector(name, config, List.of(), THIS_JAVA, new ConsolePipe());
    }

    private static ServiceProcess startWithVector(String name, Map<String, String> config, List<String> jvmOptions,
            Path java, ConsolePipe console) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "test-resources", name + "-" + UUID.randomUUID()));
            Properties applications = new Properties();
            TestApplication.VECTOR.putInto(applications);
            applications.put("signer.auth.allow-anonymous", "true");
            Path file = dir.resolve("applications.properties");
            try (Writer out = Files.newBufferedWriter(file)) {
                applications.store(out, name);
            }
            Map<String, String> all = new HashMap<>(config);
            // Sequences from 1, unless the test asks for the production default's clock floor.
            all.putIfAbsent("signer.sequence.floor", "none");
            all.put("quarkus.config.locations", file.toAbsolutePath().toUri().toString());
            return start(name, all, jvmOptions, java, console);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URL url() {
        return url;
    }

    /** Port of its management interface (health, metrics), from its log. */
    public int managementPort() {
        return LogScan.port(log, LogScan.MANAGEMENT_STARTED);
    }

    /** SIGTERM, as Kubernetes stops a pod; returns at once. */
    public void terminate() {
        process.destroy();
    }

    /** Write system calls the process has made so far ({@code syscw} of /proc/PID/io). */
    public long writeSystemCalls() {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "io")).stream()
                    .filter(line -> line.startsWith("syscw:")).mapToLong(line -> Long.parseLong(line.substring(6).trim()))
                    .findFirst().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Its resident memory now ({@code VmRSS}) and at its peak so far ({@code VmHWM}), in bytes. */
    public long residentBytes() {
        return procStatus("VmRSS:");
    }

    public long peakResidentBytes() {
        return procStatus("VmHWM:");
    }

    private long procStatus(String field) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")).stream()
                    .filter(line -> line.startsWith(field))
                    .mapToLong(line -> Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) * 1024)
                    .findFirst().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops reading its console: once the pipe is full, its writes block. */
    public void stallConsole() {
        piped().setStalled(true);
    }

    /** Reads its console again, and once the process has ended, waits until all it wrote is in the log. */
    public void resumeConsole() throws InterruptedException {
        piped().setStalled(false);
        if (!process.isAlive()) {
            piped().awaitEnd();
        }
    }

    private ConsolePipe piped() {
        if (console == null) {
            throw new IllegalStateException("started with its console on a file, not on a pipe");
        }
        return console;
    }

    /**
     * Copies the service's console, a named pipe, into its log, unless stalled. A named pipe rather
     * than the JDK's process pipe, which the JDK closes when the process dies, with what it held.
     */
    private static final class ConsolePipe {
        private boolean stalled;
        private Thread thread;

        /** The pipe to start the service on; its reader waits for the service to open it. */
        Path open(Path log) throws IOException, InterruptedException {
            Path fifo = log.resolveSibling(log.getFileName() + ".pipe");
            Files.deleteIfExists(fifo);
            if (new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor() != 0) {
                throw new IOException("mkfifo " + fifo + " failed");
            }
            OutputStream file = Files.newOutputStream(log);
            thread = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try (InputStream in = Files.newInputStream(fifo); OutputStream out = file) {
                    while (true) {
                        synchronized (this) {
                            while (stalled) {
                                wait();
                            }
                        }
                        int read = in.read(buffer);
                        if (read < 0) {
                            return;
                        }
                        out.write(buffer, 0, read);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // The test is over.
                }
            }, "console-pipe");
            thread.setDaemon(true);
            thread.start();
            return fifo;
        }

        synchronized void setStalled(boolean stalled) {
            this.stalled = stalled;
            notifyAll();
        }

        void awaitEnd() throws InterruptedException {
            thread.join(10_000);
        }
    }

    /** SIGKILL: the process ends at once, with whatever it had not written yet. */
    public void kill() {
        process.destroyForcibly();
    }

    /** Waits for the process to end; its exit code, or empty if it did not end in time. */
    public java.util.OptionalInt awaitExit(java.time.Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                ? java.util.OptionalInt.of(process.exitValue())
                : java.util.OptionalInt.empty();
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
