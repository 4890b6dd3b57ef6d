package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.registrationsigner.testing.ContainerJvm;
import io.registrationsigner.testing.Docs;
import io.registrationsigner.testing.DockerRun;
import io.registrationsigner.testing.Nginx;
import io.registrationsigner.testing.PodCaller;
import io.registrationsigner.testing.PodNamespace;
import io.registrationsigner.testing.Signatures;

/**
 * Every other shipped way to run the service, run as written: the documented {@code docker run} of
 * both images, {@code docker/compose.yaml}'s Redis, service, certificate and nginx gateway, and the
 * README's production commands. Each takes its environment, files, options and host names from the
 * shipped file, fills in what the file tells its reader to fill in, starts the packaged service in
 * a network and mount namespace of its own (so that the file's paths, ports and host names hold),
 * and makes a call. No Docker here: the images' options, user and read-only root are applied to
 * the packaged service, and the JVM stands in for the native executable, which this machine cannot
 * build. Envoy, compose's optional JSON gateway, has no package here and is not run.
 */
class ShippedRunsIT {

    private static final Path DIR = Path.of("target", "test-resources", "shipped-runs-" + UUID.randomUUID()).toAbsolutePath();
    private static final Path DEPLOYMENT = Docs.DEPLOYMENT;
    private static final Pattern HOST = Pattern.compile("redis://([^:/,]+):(\\d+)");
    private static final SecureRandom RANDOM = new SecureRandom();

    @BeforeEach
    void needsANamespace() {
        PodNamespace.assumeAvailable(PodNamespace.required());
    }

    @Test
    void theDocumentedDockerRunStartsTheNativeImage() throws Exception {
        dockerRun("registration-signer:native", "Dockerfile.native", ContainerJvm.nativeImageOptions());
    }

    @Test
    void theDocumentedDockerRunStartsTheJvmImage() throws Exception {
        dockerRun("registration-signer:jvm", "Dockerfile.jvm", ContainerJvm.jvmImageOptions());
    }

    private void dockerRun(String image, String dockerfile, List<String> jvmOptions) throws Exception {
        for (String file : List.of("Dockerfile.jvm", "Dockerfile.native")) {
            assertEquals(List.of(), DockerRun.in(Path.of("docker", file)), file + " shows a docker run of its own: test it here");
        }
        List<DockerRun> runs = DockerRun.in(DEPLOYMENT);
        assertEquals(1, runs.size(), "docs/deployment.md's docker run commands: " + runs);
        DockerRun run = runs.get(0);
        // The docs give one command, for the native image, and say the JVM image runs with the same.
        assertEquals("registration-signer:native", run.image());
        assertTrue(Files.readString(DEPLOYMENT).contains("same command and `" + image + "`") || image.equals(run.image()));
        assertTrue(run.readOnly(), "the docs promise a read-only root: " + run.text());

        Path dir = Files.createDirectories(DIR.resolve(image.replace(':', '-')));
        String applicationKey = UUID.randomUUID().toString();
        String secret = Base64.getEncoder().encodeToString(bytes(16));
        String token = HexFormat.of().formatHex(bytes(32));
        Map<String, String> environment = new LinkedHashMap<>();
        run.environment().forEach((name, value) -> environment.put(name, !value.equals("...") ? value
                : name.endsWith("_KEY") ? applicationKey
                : name.endsWith("_TOKEN_SHA256") ? sha256(token)
                : fail("a value to fill in that the docs do not explain: " + name)));
        Matcher redis = HOST.matcher(environment.get("QUARKUS_REDIS_HOSTS"));
        assertTrue(redis.find());
        String redisAddress = "127.0.0.20";
        try (PodNamespace namespace = PodNamespace.create(dir.resolve("namespace"), Map.of(redis.group(1), redisAddress))) {
            for (Map.Entry<String, String> volume : run.volumes().entrySet()) {
                // The reader's file, as the docs name it: the application's secret, with an editor's newline.
                Path file = dir.resolve(Path.of(volume.getKey().replace("$PWD/", "")).getFileName());
                Files.writeString(file, secret + "\n");
                namespace.mountFileReadOnly(file, volume.getValue());
            }
            startRedis(namespace, dir.resolve("redis"), List.of("--bind", redisAddress, "--port", redis.group(2)));
            List<String> command = new ArrayList<>(List.of(java()));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", jar()));
            int user = ContainerJvm.user(dockerfile);
            Path log = dir.resolve("service.log");
            assertEquals(java.util.Set.of("/tmp"), run.tmpfs().keySet(), "the one tmpfs the test makes: " + run.text());
            Process service = namespace.startContainer(command, environment, log, user, user, run.tmpfs().get("/tmp"));
            int management = publishedPort(run.ports(), 9000);
            awaitStarted(namespace, dir, management, log);

            String gateway = gatewayCaller(environment);
            Properties call = new Properties();
            call.setProperty("mode", "sign");
            call.setProperty("caller", gateway);
            call.setProperty("targets", "dns:///localhost:" + publishedPort(run.ports(), 8080));
            call.setProperty("plaintext", "true");
            call.setProperty("token", token);
            call.setProperty("user-header", "x-end-user-id");
            call.setProperty("user", "alice");
            call.setProperty("application-key", applicationKey);
            String output = caller(namespace, dir, "sign", call);
            assertSigned(output, "alice", applicationKey, secret, log);
            service.destroy();
            assertTrue(service.waitFor(30, TimeUnit.SECONDS));
            System.out.printf("%s: the documented docker run (%d variables, %d files) signed for alice%n", image,
                    environment.size(), run.volumes().size());
        }
    }

    @Test
    void composeRunsRedisTheServiceTheCertificateAndTheGatewayAsWritten() throws Exception {
        Nginx.assumeAvailable(Nginx.binary().isPresent(), Nginx.required());
        Path composeFile = Path.of("docker", "compose.yaml");
        JsonNode services = new ObjectMapper(new YAMLFactory()).readTree(composeFile.toFile()).path("services");
        Path dir = Files.createDirectories(DIR.resolve("compose"));
        Map<String, String> hosts = new LinkedHashMap<>();
        int address = 20;
        for (var names = services.fieldNames(); names.hasNext();) {
            hosts.put(names.next(), "127.0.0." + address++);
        }
        try (PodNamespace namespace = PodNamespace.create(dir.resolve("namespace"), hosts)) {
            // redis: its command, with the named volume at the image's working directory.
            JsonNode redis = services.path("redis");
            List<String> redisArguments = texts(redis.path("command"));
            assertEquals("redis-server", redisArguments.get(0));
            List<String> arguments = new ArrayList<>(redisArguments.subList(1, redisArguments.size()));
            arguments.addAll(List.of("--dir", Files.createDirectories(dir.resolve("volume-redis-data")).toString()));
            startRedis(namespace, dir.resolve("redis"), arguments);

            // gateway-certificate: its script, with the volume's directory where it mounts /tls.
            JsonNode certificate = services.path("gateway-certificate");
            Path tls = Files.createDirectories(dir.resolve("volume-gateway-tls"));
            assertEquals("gateway-tls:/tls", texts(certificate.path("volumes")).get(0));
            List<String> entrypoint = texts(certificate.path("entrypoint"));
            assertEquals(List.of("/bin/sh", "-c"), entrypoint);
            String script = texts(certificate.path("command")).get(0).replace("/tls/", tls + "/");
            namespace.run("/bin/sh", "-c", script);

            // signer: its environment, its secret at /run/secrets, the native image's user and a read-only root.
            JsonNode signer = services.path("signer");
            assertTrue(signer.path("read_only").asBoolean());
            assertTrue(signer.path("build").path("dockerfile").asText().contains("docker/Dockerfile.native"));
            Map<String, String> environment = new LinkedHashMap<>();
            signer.path("environment").fields().forEachRemaining(e -> environment.put(e.getKey(), e.getValue().asText()));
            JsonNode secrets = new ObjectMapper(new YAMLFactory()).readTree(composeFile.toFile()).path("secrets");
            for (String secret : texts(signer.path("secrets"))) {
                Path file = composeFile.getParent().resolve(secrets.path(secret).path("file").asText()).normalize();
                namespace.mountFileReadOnly(file.toAbsolutePath(), "/run/secrets/" + secret);
            }
            List<String> command = new ArrayList<>(List.of(java()));
            command.addAll(ContainerJvm.nativeImageOptions());
            command.addAll(List.of("-jar", jar()));
            int user = ContainerJvm.user("Dockerfile.native");
            Path log = dir.resolve("service.log");
            List<String> tmpfs = texts(signer.path("tmpfs"));
            assertEquals(1, tmpfs.size(), "the one tmpfs the test makes, /tmp: " + tmpfs);
            Matcher tmp = Pattern.compile("/tmp:size=(\\d+)m").matcher(tmpfs.get(0));
            assertTrue(tmp.matches(), tmpfs.get(0));
            Process service = namespace.startContainer(command, environment, log, user, user, Integer.parseInt(tmp.group(1)));
            int management = publishedPort(texts(signer.path("ports")), 9000);
            awaitStarted(namespace, dir, management, log);

            // gateway: nginx with the templates and environment compose gives it, the certificate volume mounted.
            JsonNode gateway = services.path("gateway");
            Map<String, String> variables = new LinkedHashMap<>();
            gateway.path("environment").fields().forEachRemaining(e -> variables.put(e.getKey(), e.getValue().asText()));
            for (String volume : texts(gateway.path("volumes"))) {
                String[] parts = volume.split(":");
                if (parts[0].equals("gateway-tls")) {
                    namespace.mountReadOnly(tls, parts[1]);
                } else {
                    assertEquals(Nginx.TEMPLATES.normalize(), composeFile.getParent().resolve(parts[0]).normalize());
                    assertEquals("/etc/nginx/templates", parts[1]);
                }
            }
            List<String> templates;
            try (var files = Files.list(Nginx.TEMPLATES)) {
                templates = files.map(f -> f.getFileName().toString()).sorted().toList();
            }
            Nginx nginx = Nginx.startIn(namespace, dir.resolve("nginx"), templates, variables);
            try {
                // An app of end user alice, through the published TLS port, as docs/deployment.md calls it.
                int published = publishedPort(texts(gateway.path("ports")), Integer.parseInt(variables.get("GATEWAY_PORT")));
                String applicationKey = environment.get("SIGNER_APPLICATIONS_DEMO_KEY");
                Properties call = new Properties();
                call.setProperty("mode", "sign");
                call.setProperty("caller", "app");
                call.setProperty("targets", "dns:///localhost:" + published);
                call.setProperty("ca", tls.resolve("gateway.crt").toString());
                call.setProperty("token", "demo-session-alice");
                call.setProperty("user", "alice");
                call.setProperty("application-key", applicationKey);
                String output = caller(namespace, dir, "sign", call);
                String secret = Files.readString(Path.of("docker", "demo", "demo-application.secret")).strip();
                assertSigned(output, "alice", applicationKey, secret, log);
                System.out.printf("compose: redis, signer, gateway-certificate and gateway (nginx) started as written;"
                        + " an app signed for alice through https://localhost:%d%n", published);
            } finally {
                nginx.close();
                service.destroy();
                service.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theReadmesProductionCommandsStartTheServiceAndRefuseAnUnsetToken() throws Exception {
        String block = shellBlock(Files.readString(Path.of("README.md")), "quarkus-run.jar");
        List<String> lines = block.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
        assertTrue(lines.get(0).startsWith("./mvnw package"), lines.get(0));
        // The build has packaged the service already: the rest of the block, as a reader pastes it.
        String script = String.join("\n", lines.subList(1, lines.size())) + "\n";
        Matcher redis = HOST.matcher(script);
        assertTrue(redis.find(), script);
        Path dir = Files.createDirectories(DIR.resolve("readme"));
        try (PodNamespace namespace = PodNamespace.create(dir.resolve("namespace"), Map.of())) {
            startRedis(namespace, dir.resolve("redis"), List.of("--bind", redis.group(1), "--port", redis.group(2)));
            // The value the README tells its reader to set first.
            String token = HexFormat.of().formatHex(bytes(32));
            Map<String, String> shell = new LinkedHashMap<>();
            shell.put("PATH", Path.of(java()).getParent() + ":" + System.getenv("PATH"));
            shell.put("BACKEND_TOKEN", token);
            Path log = dir.resolve("service.log");
            Process service = namespace.start(List.of("bash", "-c", script), shell, log);
            awaitStarted(namespace, dir, 9000, log);
            Properties call = new Properties();
            call.setProperty("mode", "sign");
            call.setProperty("caller", "backend");
            call.setProperty("targets", "dns:///localhost:8080");
            call.setProperty("plaintext", "true");
            call.setProperty("token", token);
            call.setProperty("user", "alice");
            call.setProperty("application-key", exported(script, "SIGNER_APPLICATIONS_DEFAULT_KEY"));
            assertSigned(caller(namespace, dir, "sign", call), "alice", exported(script, "SIGNER_APPLICATIONS_DEFAULT_KEY"),
                    exported(script, "SIGNER_APPLICATIONS_DEFAULT_SECRET"), log);
            service.destroy();
            assertTrue(service.waitFor(30, TimeUnit.SECONDS));

            // Without the token, the service refuses to start, and says why.
            shell.remove("BACKEND_TOKEN");
            Path unsetLog = dir.resolve("service-without-token.log");
            Process refused = namespace.start(List.of("bash", "-c", script), shell, unsetLog);
            assertTrue(refused.waitFor(60, TimeUnit.SECONDS), "it started without a token: " + Files.readString(unsetLog));
            assertTrue(refused.exitValue() != 0);
            assertTrue(Files.readString(unsetLog).contains("SHA-256 of the empty string"), Files.readString(unsetLog));
            System.out.println("README: the production commands signed for alice with the reader's token, and refused to start without one");
        }
    }

    private static String exported(String script, String name) {
        Matcher value = Pattern.compile("(?m)^export " + name + "=(\\S+)$").matcher(script);
        assertTrue(value.find(), name + " in " + script);
        return value.group(1);
    }

    private static String shellBlock(String markdown, String containing) {
        Matcher block = Pattern.compile("(?s)```shell\\n(.*?)```").matcher(markdown);
        while (block.find()) {
            if (block.group(1).contains(containing)) {
                return block.group(1);
            }
        }
        throw new AssertionError("no shell block with " + containing);
    }

    private static String gatewayCaller(Map<String, String> environment) {
        Matcher gateway = Pattern.compile("SIGNER_AUTH_CALLERS_([A-Z0-9]+)_GATEWAY").matcher(String.join(" ", environment.keySet()));
        assertTrue(gateway.find(), "the command names no gateway caller: " + environment.keySet());
        assertEquals("true", environment.get(gateway.group()));
        return gateway.group(1).toLowerCase();
    }

    private static void startRedis(PodNamespace namespace, Path dir, List<String> arguments) throws Exception {
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>(List.of(redis.embedded.core.ExecutableProvider.newJarResourceProvider().get().getAbsolutePath()));
        command.addAll(arguments);
        if (!arguments.contains("--dir")) {
            command.addAll(List.of("--dir", dir.toString()));
        }
        command.addAll(List.of("--save", ""));
        Path log = dir.resolve("redis.log");
        namespace.start(command, Map.of(), log);
        awaitLine(log, "Ready to accept connections");
    }

    private static void awaitStarted(PodNamespace namespace, Path dir, int managementPort, Path log) throws Exception {
        Properties probes = new Properties();
        probes.setProperty("mode", "probes");
        probes.setProperty("startup", "http://127.0.0.1:" + managementPort + "/q/health/started");
        probes.setProperty("liveness", "http://127.0.0.1:" + managementPort + "/q/health/live");
        probes.setProperty("readiness", "http://127.0.0.1:" + managementPort + "/q/health/ready");
        probes.setProperty("startup.period", "1");
        probes.setProperty("startup.failures", "60");
        String probed = caller(namespace, dir, "probes", probes);
        assertTrue(probed.contains("probe readiness 200"), probed + "\nservice log:\n" + Files.readString(log));
    }

    private static void assertSigned(String output, String user, String applicationKey, String secret, Path log) throws IOException {
        Matcher signed = Pattern.compile(" OK " + Pattern.quote(user) + " (\\d+) (\\S+)").matcher(output);
        assertTrue(signed.find(), output + "\nservice log:\n" + Files.readString(log));
        assertEquals(Signatures.expected(user, applicationKey, Long.parseLong(signed.group(1)), secret), signed.group(2));
        assertFalse(output.contains("FAILED"), output);
    }

    private static String caller(PodNamespace namespace, Path dir, String name, Properties properties) throws Exception {
        Path file = dir.resolve("caller-" + name + ".properties");
        try (var out = Files.newBufferedWriter(file)) {
            properties.store(out, null);
        }
        Path log = dir.resolve("caller-" + name + ".log");
        Process process = namespace.start(List.of(java(), "-cp", System.getProperty("java.class.path"),
                PodCaller.class.getName(), file.toString()), Map.of(), log);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), name + " did not end: " + Files.readString(log));
        return Files.readString(log);
    }

    /** The host side of a published container port ("host:container" or "ip:host:container"), which must be the same. */
    private static int publishedPort(List<String> ports, int containerPort) {
        for (String port : ports) {
            String[] parts = port.split(":");
            if (Integer.parseInt(parts[parts.length - 1]) == containerPort) {
                assertEquals(containerPort, Integer.parseInt(parts[parts.length - 2]), "published elsewhere: " + port);
                return containerPort;
            }
        }
        throw new AssertionError(containerPort + " is not published: " + ports);
    }

    private static void awaitLine(Path log, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no \"" + line + "\" in " + log + ":\n" + (Files.exists(log) ? Files.readString(log) : ""));
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String jar() {
        return Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString();
    }

    private static byte[] bytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static <T> T fail(String message) {
        throw new AssertionError(message);
    }
}
