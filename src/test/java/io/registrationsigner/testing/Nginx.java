package io.registrationsigner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

/**
 * A real nginx (Debian's package), run by the tests with the configuration templates shipped in
 * docker/nginx/templates, filled in as the nginx image fills them in (envsubst of ${NAME}).
 * Everything it writes stays in its own directory; it listens on loopback ports the tests choose.
 */
public final class Nginx implements AutoCloseable {

    public static final Path TEMPLATES = Path.of("docker", "nginx", "templates");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+)}");

    private final Process process;
    private final Path dir;

    private Nginx(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /** nginx on the PATH or in /usr/sbin, where Debian's package puts it. */
    public static Optional<Path> binary() {
        List<Path> candidates = new ArrayList<>();
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            candidates.add(Path.of(entry, "nginx"));
        }
        candidates.add(Path.of("/usr/sbin/nginx"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * @param templates file names in {@link #TEMPLATES}
     * @param variables the values of their ${NAME} placeholders; every placeholder must have one
     * @param port a port the configuration listens on, awaited before this returns
     */
    public static Nginx start(Path dir, List<String> templates, Map<String, String> variables, int port) {
        return start(dir, templates, variables, port, null);
    }

    /** The same, inside a namespace: nginx's error log says when its worker started. */
    public static Nginx startIn(PodNamespace namespace, Path dir, List<String> templates, Map<String, String> variables) {
        return start(dir, templates, variables, 0, namespace);
    }

    private static Nginx start(Path dir, List<String> templates, Map<String, String> variables, int port, PodNamespace namespace) {
        Path nginx = binary().orElseThrow(() -> new IllegalStateException(
                "nginx is not installed: the gateway tests need Debian's nginx package (apt-get install nginx)"));
        try {
            Path confD = Files.createDirectories(dir.resolve("conf.d"));
            Files.createDirectories(dir.resolve("temp"));
            for (String template : templates) {
                String rendered = render(Files.readString(TEMPLATES.resolve(template)), variables, template);
                Files.writeString(confD.resolve(template.replace(".template", "")), rendered);
            }
            Path absolute = dir.toAbsolutePath();
            Files.writeString(dir.resolve("nginx.conf"), String.join("\n",
                    "daemon off;",
                    "worker_processes 1;",
                    // Workers of a root master run as "nobody" unless told: they must read the keys.
                    "root".equals(System.getProperty("user.name")) ? "user root;" : "",
                    "pid " + absolute.resolve("nginx.pid") + ";",
                    "error_log " + absolute.resolve("error.log") + " info;",
                    "events { worker_connections 1024; }",
                    "http {",
                    "  access_log " + absolute.resolve("access.log") + ";",
                    "  client_body_temp_path " + absolute.resolve("temp/body") + ";",
                    "  proxy_temp_path " + absolute.resolve("temp/proxy") + ";",
                    "  fastcgi_temp_path " + absolute.resolve("temp/fastcgi") + ";",
                    "  uwsgi_temp_path " + absolute.resolve("temp/uwsgi") + ";",
                    "  scgi_temp_path " + absolute.resolve("temp/scgi") + ";",
                    "  include " + confD.toAbsolutePath() + "/*.conf;",
                    "}", ""));
            List<String> command = List.of(nginx.toString(), "-p", absolute.toString(),
                    "-c", absolute.resolve("nginx.conf").toString(), "-e", absolute.resolve("error.log").toString());
            if (namespace != null) {
                Nginx started = new Nginx(namespace.start(command, Map.of(), dir.resolve("stdout.log")), dir);
                started.awaitWorker();
                return started;
            }
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
            Nginx started = new Nginx(process, dir);
            started.awaitPort(port);
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String render(String template, Map<String, String> variables, String name) {
        Matcher placeholders = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (placeholders.find()) {
            String value = variables.get(placeholders.group(1));
            if (value == null) {
                throw new IllegalArgumentException(name + " needs a value for " + placeholders.group(1));
            }
            placeholders.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return placeholders.appendTail(out).toString();
    }

    private void awaitPort(int port) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + ": " + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        close();
        throw new IllegalStateException("nginx did not listen on " + port + " within 10 s: " + log());
    }

    private void awaitWorker() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + ": " + log());
            }
            Path errors = dir.resolve("error.log");
            if (Files.exists(errors) && Files.readString(errors).contains("start worker process")) {
                return;
            }
            sleep(50);
        }
        close();
        throw new IllegalStateException("nginx started no worker within 10 s: " + log());
    }

    /** nginx's error log and output, for failure messages. */
    public String log() throws IOException {
        StringBuilder log = new StringBuilder();
        for (String file : List.of("stdout.log", "error.log")) {
            Path path = dir.resolve(file);
            if (Files.exists(path)) {
                log.append(Files.readString(path));
            }
        }
        return log.toString();
    }

    /** Whether the run must have nginx: CI sets SIGNER_TESTS_REQUIRE_NGINX=true (or -Dsigner.tests.require-nginx). */
    public static boolean required() {
        return Boolean.getBoolean("signer.tests.require-nginx") || "true".equals(System.getenv("SIGNER_TESTS_REQUIRE_NGINX"));
    }

    /**
     * Without nginx, a gateway test is skipped with what to install, unless the run requires
     * nginx: then it fails. With nginx, it runs.
     */
    public static void assumeAvailable(boolean installed, boolean required) {
        if (installed) {
            return;
        }
        if (required) {
            throw new IllegalStateException("nginx is required (SIGNER_TESTS_REQUIRE_NGINX=true) but not installed");
        }
        Assumptions.assumeTrue(false, "nginx is not installed (apt-get install nginx): the gateway tests are skipped");
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
