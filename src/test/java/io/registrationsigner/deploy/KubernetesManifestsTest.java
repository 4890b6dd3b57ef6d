package io.registrationsigner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.quarkus.runtime.configuration.DurationConverter;
import io.registrationsigner.sequence.SequenceConfig;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/**
 * docker/kubernetes read into the typed fabric8 model, failing on any field the model does not
 * know, and checked for what a platform team relies on.
 */
class KubernetesManifestsTest {

    private static final Path MANIFESTS = Path.of("docker", "kubernetes");
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Deployment", Deployment.class, "Service", Service.class, "PodDisruptionBudget", PodDisruptionBudget.class,
            "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class, "NetworkPolicy", NetworkPolicy.class,
            "ConfigMap", ConfigMap.class);
    /** The ports the service really opens: quarkus.http.port and quarkus.management.port. */
    private static final int GRPC_PORT = 8080;
    private static final int MANAGEMENT_PORT = 9000;

    private static final List<HasMetadata> RESOURCES = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode kustomization = yaml.readTree(MANIFESTS.resolve("kustomization.yaml").toFile());
        for (JsonNode resource : kustomization.get("resources")) {
            try (MappingIterator<JsonNode> documents = yaml.readerFor(JsonNode.class)
                    .readValues(Files.readString(MANIFESTS.resolve(resource.asText())))) {
                for (JsonNode document : documents.readAll()) {
                    Class<? extends HasMetadata> type = KINDS.get(document.get("kind").asText());
                    assertNotNull(type, "an expected kind: " + document.get("kind"));
                    HasMetadata typed = yaml.treeToValue(document, type);
                    assertEquals(List.of(), unknownFields(typed, resource.asText()), "fields the model does not know");
                    RESOURCES.add(typed);
                }
            }
        }
    }

    @Test
    void theDeploymentRunsAtLeastTwoHardenedReplicasWithLimits() {
        Deployment deployment = one(Deployment.class);
        assertTrue(deployment.getSpec().getReplicas() >= 2);
        var pod = deployment.getSpec().getTemplate().getSpec();
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        assertFalse(pod.getTopologySpreadConstraints().isEmpty());
        Container container = pod.getContainers().get(0);
        assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
        assertFalse(container.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), container.getSecurityContext().getCapabilities().getDrop());
        assertNotNull(container.getResources().getRequests().get("cpu"));
        assertNotNull(container.getResources().getRequests().get("memory"));
        assertNotNull(container.getResources().getLimits().get("memory"));
    }

    @Test
    void probesAskTheHealthEndpointsOnThePortTheServiceOpensForThem() {
        Container container = one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, Integer> ports = container.getPorts().stream()
                .collect(Collectors.toMap(p -> p.getName(), p -> p.getContainerPort()));
        assertEquals(Map.of("grpc", GRPC_PORT, "management", MANAGEMENT_PORT), ports);
        assertProbe(container.getStartupProbe(), "/q/health/started", ports);
        assertProbe(container.getLivenessProbe(), "/q/health/live", ports);
        assertProbe(container.getReadinessProbe(), "/q/health/ready", ports);
    }

    @Test
    void theDisruptionBudgetAndTheServicesSelectTheDeploymentsPods() {
        Map<String, String> podLabels = one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> pdbSelector = one(PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels();
        assertTrue(podLabels.entrySet().containsAll(pdbSelector.entrySet()), pdbSelector.toString());
        List<Service> services = all(Service.class);
        assertTrue(services.stream().anyMatch(s -> "None".equals(s.getSpec().getClusterIP())), "a headless Service");
        for (Service service : services) {
            assertTrue(podLabels.entrySet().containsAll(service.getSpec().getSelector().entrySet()));
        }
        assertEquals("registration-signer", one(HorizontalPodAutoscaler.class).getSpec().getScaleTargetRef().getName());
        assertTrue(one(HorizontalPodAutoscaler.class).getSpec().getMinReplicas() >= 2);
    }

    @Test
    void theNetworkPolicyLetsInOnlyTheServicePortsAndOutOnlyRedisAndDns() {
        NetworkPolicy policy = one(NetworkPolicy.class);
        assertEquals(List.of("Ingress", "Egress"), policy.getSpec().getPolicyTypes());
        Set<Integer> ingress = policy.getSpec().getIngress().stream().flatMap(rule -> rule.getPorts().stream())
                .map(p -> p.getPort().getIntVal()).collect(Collectors.toSet());
        assertEquals(Set.of(GRPC_PORT, MANAGEMENT_PORT), ingress);
        Set<Integer> egress = policy.getSpec().getEgress().stream().flatMap(rule -> rule.getPorts().stream())
                .map(p -> p.getPort().getIntVal()).collect(Collectors.toSet());
        assertEquals(Set.of(6379, 26379, 53), egress);
    }

    @Test
    void theConfigMapTurnsOnTheSequenceFloorAndSentinelFailoverInNamesTheServiceReads() throws IOException {
        Map<String, String> environment = one(ConfigMap.class).getData();
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SequenceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new EnvConfigSource(environment, 300)).build();
        assertEquals(SequenceConfig.Floor.EPOCH_MILLIS, config.getConfigMapping(SequenceConfig.class).floor());
        assertEquals("sentinel", environment.get("QUARKUS_REDIS_CLIENT_TYPE"));
        assertEquals("true", environment.get("QUARKUS_REDIS_AUTO_FAILOVER"));
    }

    @Test
    void podsGetTimeToShutDownGracefully() throws IOException {
        Properties properties = new Properties();
        try (var in = Files.newInputStream(Path.of("src", "main", "resources", "application.properties"))) {
            properties.load(in);
        }
        long delay = new DurationConverter().convert(properties.getProperty("quarkus.shutdown.delay")).toSeconds();
        // After the delay, the calls still in flight get up to the sequence timeout + 0.5 s (InFlightCalls).
        long finish = new DurationConverter().convert(properties.getProperty("signer.sequence.timeout")).toSeconds() + 1;
        long grace = one(Deployment.class).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertTrue(grace > delay + finish, grace + " s of grace for " + delay + " s of delay and " + finish + " s to finish calls");
        // Quarkus' graceful shutdown timeout closes HTTP/2 connections under unread answers (ConnectionShutdown).
        assertNull(properties.getProperty("quarkus.shutdown.timeout"));
    }

    @Test
    void aMisspelledFieldIsCaught() throws IOException {
        Deployment misspelled = new ObjectMapper(new YAMLFactory()).readValue("""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: x
                spec:
                  replicass: 2
                  template:
                    spec:
                      containers:
                        - name: x
                          readinessProbes: {}
                """, Deployment.class);
        assertEquals(Set.of("test: DeploymentSpec.replicass", "test: Container.readinessProbes"),
                Set.copyOf(unknownFields(misspelled, "test")));
    }

    private static void assertProbe(Probe probe, String path, Map<String, Integer> ports) {
        assertNotNull(probe, path);
        assertEquals(path, probe.getHttpGet().getPath());
        IntOrString port = probe.getHttpGet().getPort();
        int number = port.getIntVal() != null ? port.getIntVal() : ports.get(port.getStrVal());
        assertEquals(MANAGEMENT_PORT, number, path + " on the management port");
    }

    private static <T> T one(Class<T> type) {
        List<T> found = all(type);
        assertEquals(1, found.size(), type.getSimpleName());
        return found.get(0);
    }

    private static <T> List<T> all(Class<T> type) {
        return RESOURCES.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Every additionalProperties entry in the object tree: fields the typed model did not recognise. */
    private static List<String> unknownFields(Object node, String where) {
        List<String> unknown = new ArrayList<>();
        if (node == null || !node.getClass().getPackageName().startsWith("io.fabric8")) {
            if (node instanceof Collection<?> items) {
                items.forEach(item -> unknown.addAll(unknownFields(item, where)));
            } else if (node instanceof Map<?, ?> map) {
                map.values().forEach(value -> unknown.addAll(unknownFields(value, where)));
            }
            return unknown;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (!getter.getName().startsWith("get") || getter.getParameterCount() != 0
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            try {
                Object value = getter.invoke(node);
                if (getter.getName().equals("getAdditionalProperties")) {
                    ((Map<?, ?>) value).keySet().forEach(key -> unknown.add(where + ": " + node.getClass().getSimpleName()
                            + "." + key));
                } else {
                    unknown.addAll(unknownFields(value, where));
                }
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
        return unknown;
    }
}
