package io.registrationsigner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Debian's kubectl, for what a platform engineer runs first: {@code kubectl kustomize
 * docker/kubernetes}. No cluster: the pod test starts what the rendered manifests describe itself.
 */
public final class Kubectl {

    public static final Path MANIFESTS = Path.of("docker", "kubernetes");

    private Kubectl() {
    }

    /** kubectl on the PATH or in /usr/bin. */
    public static Optional<Path> binary() {
        List<Path> candidates = new ArrayList<>();
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            candidates.add(Path.of(entry, "kubectl"));
        }
        candidates.add(Path.of("/usr/bin/kubectl"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** Whether the run must have kubectl: CI sets SIGNER_TESTS_REQUIRE_KUBECTL=true (or -Dsigner.tests.require-kubectl). */
    public static boolean required() {
        return Boolean.getBoolean("signer.tests.require-kubectl") || "true".equals(System.getenv("SIGNER_TESTS_REQUIRE_KUBECTL"));
    }

    /** Skips the test with what to install, unless the run requires kubectl: then it fails. */
    public static void assumeAvailable() {
        if (binary().isPresent()) {
            return;
        }
        if (required()) {
            throw new IllegalStateException("kubectl is required (SIGNER_TESTS_REQUIRE_KUBECTL=true) but not installed");
        }
        System.out.println("SKIPPED: kubectl is not installed (apt-get install kubectl): the Kubernetes pod test is skipped");
        Assumptions.assumeTrue(false, "kubectl is not installed (apt-get install kubectl): the Kubernetes pod test is skipped");
    }

    /** {@code kubectl kustomize docker/kubernetes}: every object of the rendered manifests. */
    public static List<JsonNode> kustomize() {
        Command rendered = Command.run(Path.of("."), Map.of(), Duration.ofSeconds(60),
                List.of(binary().orElseThrow().toString(), "kustomize", MANIFESTS.toString()));
        if (rendered.exitCode() != 0) {
            throw new AssertionError("kubectl kustomize " + MANIFESTS + " failed:\n" + rendered.output());
        }
        try (MappingIterator<JsonNode> documents = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class)
                .readValues(rendered.output())) {
            return documents.readAll().stream().filter(node -> node != null && !node.isNull() && !node.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one object of this kind and name. */
    public static JsonNode object(List<JsonNode> objects, String kind, String name) {
        List<JsonNode> found = objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText()) && name.equals(o.path("metadata").path("name").asText()))
                .toList();
        if (found.size() != 1) {
            throw new AssertionError("the rendered manifests hold " + found.size() + " " + kind + " " + name);
        }
        return found.get(0);
    }
}
