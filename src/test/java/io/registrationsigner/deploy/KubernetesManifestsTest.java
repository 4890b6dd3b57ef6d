package io.registrationsigner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.quarkus.runtime.configuration.DurationConverter;
import io.registrationsigner.application.ApplicationsConfig;
import io.registrationsigner.auth.AuthConfig;
import io.registrationsigner.redis.RedisConfig;
import io.registrationsigner.sequence.SequenceConfig;
import io.registrationsigner.testing.Docs;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
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
    /** The ports the service really opens: quarkus.grpc.server.port and quarkus.management.port. */
    private static final int GRPC_PORT = 8080;
    private static final int MANAGEMENT_PORT = 9000;

    private static final List<HasMetadata> RESOURCES = new ArrayList<>();
    private static final List<JsonNode> CERTIFICATES = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode kustomization = yaml.readTree(MANIFESTS.resolve("kustomization.yaml").toFile());
        for (JsonNode resource : kustomization.get("resources")) {
            try (MappingIterator<JsonNode> documents = yaml.readerFor(JsonNode.class)
                    .readValues(Files.readString(MANIFESTS.resolve(resource.asText())))) {
                for (JsonNode document : documents.readAll()) {
                    if (document.get("apiVersion").asText().startsWith("cert-manager.io/")) {
                        // No fabric8 model for cert-manager's kinds: checked as a tree.
                        CERTIFICATES.add(document);
                        continue;
                    }
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
    void secretsArriveAsFilesOfMountedSecretsNeverAsEnvironmentVariables() {
        var pod = one(Deployment.class).getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);
        assertTrue(container.getEnv().stream().allMatch(variable -> variable.getValueFrom() == null
                || variable.getValueFrom().getSecretKeyRef() == null), "a secret in an environment variable");
        assertTrue(container.getEnvFrom().stream().allMatch(source -> source.getSecretRef() == null),
                "a Secret as environment variables");

        Map<String, String> mounts = new HashMap<>();
        for (var mount : container.getVolumeMounts()) {
            var volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            if (volume.getSecret() != null) {
                assertTrue(mount.getReadOnly(), mount.getName());
                mounts.put(mount.getMountPath() + "/", volume.getSecret().getSecretName());
            }
        }
        // Every secret the service reads is a file under a mounted Secret.
        List<String> files = new ArrayList<>();
        applications().forEach((name, application) -> files.add(application.secretFile().orElseThrow(
                () -> new AssertionError("application " + name + " has its secret in the configuration, not in a file"))));
        files.add(environment(container, "SIGNER_REDIS_PASSWORD_FILE"));
        files.add(configMap("registration-signer").getData().get("QUARKUS_TLS_SIGNER_KEY_STORE_PEM_SERVER_KEY"));
        for (String file : files) {
            assertTrue(mounts.keySet().stream().anyMatch(file::startsWith), file + " is in no mounted Secret " + mounts);
        }
    }

    @Test
    void theApplicationsFileIsReadByTheServicesOwnConfiguration() {
        var application = applications().get("payments");
        assertTrue(application.secret().isEmpty(), "a secret in a ConfigMap");
        AuthConfig auth = applicationsConfig().getConfigMapping(AuthConfig.class);
        assertTrue(auth.callers().get("gateway").gateway());
        assertTrue(auth.callers().get("gateway").certificateDns().isPresent());
        assertEquals(64, auth.callers().get("backend").tokenSha256().orElseThrow().length());
        Container container = one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
        String location = environment(container, "QUARKUS_CONFIG_LOCATIONS");
        var configMount = container.getVolumeMounts().stream().filter(m -> location.startsWith(m.getMountPath() + "/"))
                .findFirst().orElseThrow();
        String configVolume = one(Deployment.class).getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(configMount.getName())).findFirst().orElseThrow().getConfigMap().getName();
        assertTrue(configMap(configVolume).getData().containsKey(location.substring(location.lastIndexOf('/') + 1)));
    }

    @Test
    void theGrpcPortSpeaksTlsAsTheSecurityDocSaysWithTheCertificateCertManagerIssues() {
        Map<String, String> environment = configMap("registration-signer").getData();
        Properties recipe = Docs.propertiesBlock(Docs.SECURITY, "signer.server.tls-configuration-name");
        for (String property : recipe.stringPropertyNames()) {
            assertEquals(recipe.getProperty(property), environment.get(Docs.environmentName(property)), property);
        }
        assertEquals(Integer.toString(GRPC_PORT), applicationProperties().getProperty("quarkus.grpc.server.port"));

        JsonNode certificate = CERTIFICATES.stream().filter(c -> c.path("kind").asText().equals("Certificate"))
                .findFirst().orElseThrow();
        String tlsSecret = one(Deployment.class).getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getSecret() != null && v.getName().equals("tls")).findFirst().orElseThrow()
                .getSecret().getSecretName();
        assertEquals(tlsSecret, certificate.at("/spec/secretName").asText());
        List<String> dnsNames = new ArrayList<>();
        certificate.at("/spec/dnsNames").forEach(name -> dnsNames.add(name.asText()));
        for (Service service : all(Service.class)) {
            if (service.getSpec().getPorts().stream().anyMatch(port -> port.getPort() == GRPC_PORT)) {
                assertTrue(dnsNames.stream().anyMatch(name -> name.startsWith(service.getMetadata().getName())),
                        service.getMetadata().getName() + " is not in the certificate");
            }
        }
    }

    @Test
    void theNetworkPolicyAdmitsOnlyNamedPodsOfNamedNamespaces() {
        for (var rule : one(NetworkPolicy.class).getSpec().getIngress()) {
            for (var peer : rule.getFrom()) {
                assertNotNull(peer.getNamespaceSelector(), peer.toString());
                assertNotNull(peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"), peer.toString());
                assertNotNull(peer.getPodSelector(), "a whole namespace is admitted: " + peer);
                assertFalse(peer.getPodSelector().getMatchLabels().isEmpty(), peer.toString());
            }
        }
    }

    @Test
    void theNetworkPolicyLetsInOnlyTheServicePortsAndOutOnlyRedisAndDnsUntilTracesAreOn() {
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
    void theCommentedTracingEgressLetsOutToTheCollectorThatTheCommentedEndpointNames() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<EnvVar> tracing = yaml.readValue(uncommented(MANIFESTS.resolve("deployment.yaml"), "- name: QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT"),
                new TypeReference<List<EnvVar>>() { });
        URI endpoint = URI.create(tracing.get(0).getValue());
        String[] serviceAndNamespace = endpoint.getHost().split("\\.");
        List<NetworkPolicyEgressRule> egress = yaml.readValue(uncommented(MANIFESTS.resolve("networkpolicy.yaml"), "- to:"),
                new TypeReference<List<NetworkPolicyEgressRule>>() { });
        assertEquals(1, egress.size());
        NetworkPolicyPeer collector = egress.get(0).getTo().get(0);
        assertEquals(serviceAndNamespace[1], collector.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"));
        assertEquals(serviceAndNamespace[0], collector.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"));
        assertEquals(List.of(endpoint.getPort() + "/TCP"), egress.get(0).getPorts().stream()
                .map(port -> port.getPort().getIntVal() + "/" + port.getProtocol()).toList());
    }

    /** The commented-out YAML block of a manifest that starts with {@code first}, without its comment marks. */
    private static String uncommented(Path manifest, String first) throws IOException {
        List<String> lines = Files.readAllLines(manifest);
        StringBuilder block = new StringBuilder();
        for (String line : lines) {
            String text = line.stripLeading();
            boolean comment = text.startsWith("# ");
            if (block.isEmpty() && comment && text.substring(2).equals(first)
                    || !block.isEmpty() && comment && text.substring(2).startsWith(" ")) {
                block.append(text.substring(2)).append('\n');
            } else if (!block.isEmpty()) {
                break;
            }
        }
        assertFalse(block.isEmpty(), manifest + " has no commented block " + first);
        return block.toString();
    }

    @Test
    void theConfigMapTurnsOnTheSequenceFloorAndSentinelFailoverInNamesTheServiceReads() throws IOException {
        Map<String, String> environment = configMap("registration-signer").getData();
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SequenceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new EnvConfigSource(environment, 300)).build();
        assertEquals(SequenceConfig.Floor.EPOCH_MILLIS, config.getConfigMapping(SequenceConfig.class).floor());
        assertEquals("sentinel", environment.get("QUARKUS_REDIS_CLIENT_TYPE"));
        assertEquals("true", environment.get("QUARKUS_REDIS_AUTO_FAILOVER"));
    }

    @Test
    void podsGetTimeToShutDownGracefully() throws IOException {
        Properties properties = applicationProperties();
        long delay = new DurationConverter().convert(properties.getProperty("quarkus.shutdown.delay")).toSeconds();
        // After the delay, the calls still in flight get up to the Redis timeout + 0.5 s (GrpcServerLifecycle).
        RedisConfig redis = new SmallRyeConfigBuilder().withMapping(RedisConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new EnvConfigSource(configMap("registration-signer").getData(), 300)).build()
                .getConfigMapping(RedisConfig.class);
        long finish = redis.timeout().toSeconds() + 1;
        long grace = one(Deployment.class).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertTrue(grace > delay + finish, grace + " s of grace for " + delay + " s of delay and " + finish + " s to finish calls");
    }

    private static Properties applicationProperties() {
        Properties properties = new Properties();
        try (var in = Files.newInputStream(Path.of("src", "main", "resources", "application.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return properties;
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

    private static ConfigMap configMap(String name) {
        return all(ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    }

    private static String environment(Container container, String name) {
        return container.getEnv().stream().filter(variable -> variable.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name)).getValue();
    }

    /** applications.properties of the ConfigMap, read by the service's own configuration mapping. */
    private static SmallRyeConfig applicationsConfig() {
        try {
            Properties file = new Properties();
            file.load(new java.io.StringReader(configMap("registration-signer-applications").getData().get("applications.properties")));
            Map<String, String> properties = new HashMap<>();
            file.stringPropertyNames().forEach(name -> properties.put(name, file.getProperty(name)));
            return new SmallRyeConfigBuilder().withMapping(ApplicationsConfig.class).withMapping(AuthConfig.class)
                    .withSources(new PropertiesConfigSource(properties, "applications.properties", 100)).build();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, ApplicationsConfig.ApplicationConfig> applications() {
        return applicationsConfig().getConfigMapping(ApplicationsConfig.class).applications();
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
