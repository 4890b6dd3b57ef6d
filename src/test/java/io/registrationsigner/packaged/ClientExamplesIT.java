package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.registrationsigner.signing.RegistrationTokens;
import io.registrationsigner.testing.Command;
import io.registrationsigner.testing.Http;
import io.registrationsigner.testing.Node;
import io.registrationsigner.testing.PrometheusText;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.Signatures;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * The client examples of src/examples against the packaged service, each from the contract alone:
 * the plain grpc-java client (built by maven-invoker-plugin from the -proto.jar) and the Node
 * client (@grpc/grpc-js, from the .proto files). Each issues and verifies credentials, waits out
 * a rate limit as the RetryInfo detail says, reads the ErrorInfo reason of a refusal, and retries
 * UNAVAILABLE as docs/clients.md recommends: 5 attempts when Redis is down.
 */
class ClientExamplesIT {

    private static final Path JAVA_CLIENT = Path.of("target", "examples", "java-client", "target", "signer-java-client.jar");
    private static final Path NODE_EXAMPLE = Path.of("src", "examples", "node-client");
    private static final Path CONTRACT = Path.of("target", "contract");
    private static final TestApplication APPLICATION = TestApplication.VECTOR;
    /** Sign, verify, sign: the third call of a window; the second verification waits for the next. */
    private static final String PER_USER_LIMIT = "3";
    private static final Duration WINDOW = Duration.ofSeconds(2);

    private static final Pattern SIGNED = Pattern.compile("signed (\\S+) sequence=(\\d+) signature=(\\S+)");
    private static final Pattern WAITED = Pattern.compile("rate limited RATE_LIMITED: waiting (\\d+) ms as RetryInfo says");
    private static final Pattern TOKEN = Pattern.compile("token key_id=(hkdfv1-\\d{8}) expires_at=(\\d+) token=(\\S+)");

    @TempDir
    static Path dir;
    private static RedisProcess redis;
    private static ServiceProcess service;

    @BeforeAll
    static void start() {
        redis = RedisProcess.server(dir.resolve("redis"));
        Map<Object, Object> caller = new HashMap<>();
        TestCaller.BACKEND.putInto(caller);
        Map<String, String> config = new HashMap<>();
        caller.forEach((key, value) -> config.put(key.toString(), value.toString()));
        config.put("quarkus.redis.hosts", redis.uri());
        config.put("signer.rate-limit.per-user.limit", PER_USER_LIMIT);
        config.put("signer.rate-limit.per-user.window", WINDOW.toSeconds() + "s");
        service = ServiceProcess.startWithVector("client-examples-service", config);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (service != null) {
            service.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void theJavaClientBuiltFromTheContractArtifact() {
        assertTrue(Files.isRegularFile(JAVA_CLIENT), JAVA_CLIENT + " is built by maven-invoker-plugin before the integration tests");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        exercise("java-client-user", arguments -> {
            List<String> command = new ArrayList<>(List.of(java, "-jar", JAVA_CLIENT.toAbsolutePath().toString()));
            command.addAll(arguments);
            return command;
        });
    }

    @Test
    void theNodeClientFromTheProtoFiles() throws IOException {
        Path copy = Files.createDirectories(Path.of("target", "examples", "node-client"));
        for (String file : List.of("package.json", "package-lock.json", "client.js")) {
            Files.copy(NODE_EXAMPLE.resolve(file), copy.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Node.npmCi(copy);
        String node = Node.node().toString();
        String client = copy.resolve("client.js").toAbsolutePath().toString();
        exercise("node-client-user", arguments -> {
            List<String> command = new ArrayList<>(List.of(node, client));
            command.addAll(arguments);
            return command;
        });
    }

    private static void exercise(String userId, Function<List<String>, List<String>> client) {
        // Two legacy credentials and a token; one rate limit waited out on the way.
        Command run = run(client.apply(List.of(userId, "2")), TestCaller.BACKEND.token());
        assertEquals(0, run.exitCode(), run.output());
        List<String> lines = run.lines();
        assertEquals(6, lines.size(), run.output());
        assertSigned(lines.get(0), userId, 1);
        assertEquals("verified sequence=1 valid=true", lines.get(1), run.output());
        assertSigned(lines.get(2), userId, 2);
        Matcher waited = WAITED.matcher(lines.get(3));
        assertTrue(waited.matches(), run.output());
        long millis = Long.parseLong(waited.group(1));
        assertTrue(millis > 0 && millis <= WINDOW.toMillis(), run.output());
        assertEquals("verified sequence=2 valid=true", lines.get(4), run.output());
        Matcher token = TOKEN.matcher(lines.get(5));
        assertTrue(token.matches(), run.output());
        long expiresIn = Long.parseLong(token.group(2)) - Instant.now().getEpochSecond();
        assertTrue(expiresIn > 500 && expiresIn <= 600, "the default lifetime is 10 minutes: " + run.output());
        assertTrue(RegistrationTokens.verify(token.group(3), APPLICATION.key(), APPLICATION.secret(), userId, Instant.now())
                .valid(), run.output());

        // A refusal names its reason, from the ErrorInfo detail.
        Command stranger = run(client.apply(List.of(userId)), "not-a-caller-token-Qm4Vx8Lp");
        assertEquals(1, stranger.exitCode(), stranger.output());
        assertTrue(stranger.output().startsWith("failed UNAUTHENTICATED UNKNOWN_TOKEN: "), stranger.output());

        // Redis down: the channel's retry policy makes 5 attempts, which the service counts.
        double before = unavailable();
        redis.kill();
        try {
            Command down = run(client.apply(List.of(userId)), TestCaller.BACKEND.token());
            assertEquals(1, down.exitCode(), down.output());
            assertTrue(down.output().startsWith("failed UNAVAILABLE SEQUENCE_STORE_UNAVAILABLE: "), down.output());
            assertEquals(5, unavailable() - before, "attempts answered UNAVAILABLE");
        } finally {
            redis.start();
        }
        Command recovered = run(client.apply(List.of(userId + "-again", "1")), TestCaller.BACKEND.token());
        assertEquals(0, recovered.exitCode(), recovered.output());
    }

    private static void assertSigned(String line, String userId, long sequence) {
        Matcher signed = SIGNED.matcher(line);
        assertTrue(signed.matches(), line);
        assertEquals(userId, signed.group(1));
        assertEquals(sequence, Long.parseLong(signed.group(2)), line);
        assertEquals(Signatures.expected(userId, APPLICATION.key(), sequence, APPLICATION.secret()), signed.group(3), line);
    }

    private static Command run(List<String> command, String token) {
        return Command.run(Path.of("."), Map.of(
                "SIGNER_TARGET", "localhost:" + service.url().getPort(),
                "SIGNER_TOKEN", token,
                "SIGNER_PROTO_DIR", CONTRACT.toAbsolutePath().toString()), Duration.ofSeconds(60), command);
    }

    private static double unavailable() {
        String metrics = Http.localhost(service.managementPort())
                .accept("text/plain; version=0.0.4").get("/q/metrics").then().statusCode(200).extract().asString();
        return PrometheusText.value(metrics, "signer_credentials_total", Map.of("scheme", "legacy", "outcome", "unavailable"));
    }
}
