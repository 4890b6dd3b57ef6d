package io.registrationsigner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.ExtensionRegistry;

import io.registrationsigner.application.ApplicationsConfig;
import io.registrationsigner.auth.AuthConfig;
import io.registrationsigner.testing.TestApplication;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The descriptor set the build writes, the Envoy configuration that uses it and docker/compose.yaml,
 * checked against each other and against the service's configuration mapping: a mistake in any of
 * them only shows on a machine with Docker, which this one is not.
 */
class GatewayConfigTest {

    private static final Path DESCRIPTOR_SET = Path.of("target", "registration_signer.pb");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String SERVICE = "signer.v1.RegistrationSigner";

    @Test
    void theDescriptorSetIsSelfContainedAndCarriesTheHttpRules() throws Exception {
        ServiceDescriptor service = service(descriptorSet());

        assertEquals(Map.of(
                "SignRegistration", "POST /v1/registrations:sign body=*",
                "IssueRegistrationToken", "POST /v1/registrations:issueToken body=*",
                "VerifyRegistration", "POST /v1/registrations:verify body=*"), httpRules(service));
    }

    @Test
    void envoyTranscodesTheServiceOfTheDescriptorSetAndRoutesOnlyItsMethods() throws Exception {
        JsonNode envoy = YAML.readTree(Path.of("docker", "envoy", "envoy.yaml").toFile());
        JsonNode transcoder = httpFilter(envoy, "envoy.filters.http.grpc_json_transcoder").path("typed_config");
        ServiceDescriptor service = service(descriptorSet());

        assertEquals(List.of(SERVICE), texts(transcoder.path("services")));
        assertTrue(transcoder.path("convert_grpc_status").asBoolean());
        // The file the transcoder reads is the one compose mounts from the build.
        assertTrue(texts(compose().path("services").path("envoy").path("volumes"))
                .contains("../target/registration_signer.pb:" + transcoder.path("proto_descriptor").asText() + ":ro"));

        List<String> routed = new ArrayList<>();
        for (JsonNode route : connectionManager(envoy).path("route_config").path("virtual_hosts").get(0).path("routes")) {
            if (route.path("match").has("path")) {
                routed.add(route.path("match").path("path").asText());
                assertEquals("registration_signer", route.path("route").path("cluster").asText());
            }
        }
        assertEquals(List.of("/signer.v1.RegistrationSigner/SignRegistration",
                "/signer.v1.RegistrationSigner/IssueRegistrationToken"), routed);
        for (String path : routed) {
            assertTrue(service.findMethodByName(path.substring(path.lastIndexOf('/') + 1)) != null, path);
        }
    }

    @Test
    void envoyReplacesTheEndUserHeaderWithTheIdentityServicesAnswer() throws Exception {
        JsonNode envoy = YAML.readTree(Path.of("docker", "envoy", "envoy.yaml").toFile());
        List<String> filters = new ArrayList<>();
        connectionManager(envoy).path("http_filters").forEach(filter -> filters.add(filter.path("name").asText()));
        // Removed before the identity service answers, then set from its answer, before the router.
        assertEquals(List.of("envoy.filters.http.buffer", "envoy.filters.http.local_ratelimit",
                "envoy.filters.http.header_mutation", "envoy.filters.http.ext_authz",
                "envoy.filters.http.grpc_json_transcoder", "envoy.filters.http.router"), filters);
        assertEquals("x-end-user-id", httpFilter(envoy, "envoy.filters.http.header_mutation")
                .at("/typed_config/mutations/request_mutations/0/remove").asText());
        JsonNode extAuthz = httpFilter(envoy, "envoy.filters.http.ext_authz").path("typed_config");
        assertTrue(!extAuthz.path("failure_mode_allow").asBoolean());
        assertEquals("x-end-user-id", extAuthz.at("/http_service/authorization_response/allowed_upstream_headers/patterns/0/exact").asText());

        Set<String> needed = placeholders(Files.readString(Path.of("docker", "envoy", "envoy.yaml")),
                Pattern.compile("%ENVIRONMENT\\(([A-Z0-9_]+)\\)%"));
        assertEquals(Set.of("SIGNER_GATEWAY_TOKEN"), needed);
        assertTrue(fields(compose().at("/services/envoy/environment")).containsAll(needed));
    }

    @Test
    void envoyBoundsWhatAnAppMaySendBeforeTheIdentityServiceIsAsked() throws Exception {
        JsonNode envoy = YAML.readTree(Path.of("docker", "envoy", "envoy.yaml").toFile());
        assertEquals(4096, httpFilter(envoy, "envoy.filters.http.buffer").at("/typed_config/max_request_bytes").asInt());
        JsonNode limit = httpFilter(envoy, "envoy.filters.http.local_ratelimit").path("typed_config");
        assertTrue(limit.path("local_rate_limit_per_downstream_connection").asBoolean());
        assertEquals(10, limit.at("/token_bucket/max_tokens").asInt());

        // The first route refuses every grpc-encoding but identity, before the routes to the service.
        JsonNode first = connectionManager(envoy).at("/route_config/virtual_hosts/0/routes/0");
        assertEquals("/", first.at("/match/prefix").asText());
        assertEquals("grpc-encoding", first.at("/match/headers/0/name").asText());
        assertTrue(first.at("/match/headers/0/present_match").asBoolean());
        assertEquals("identity", first.at("/match/headers/1/string_match/exact").asText());
        assertTrue(first.at("/match/headers/1/invert_match").asBoolean());
        Map<String, String> answer = new HashMap<>();
        first.path("response_headers_to_add").forEach(h -> answer.put(h.at("/header/key").asText(), h.at("/header/value").asText()));
        assertEquals("12", answer.get("grpc-status"));
        assertEquals("identity", answer.get("grpc-accept-encoding"));
    }

    @Test
    void composeGivesTheGatewayEveryValueItsTemplatesNeed() throws Exception {
        JsonNode gateway = compose().path("services").path("gateway");
        Set<String> needed = new TreeSet<>();
        try (var templates = Files.list(Path.of("docker", "nginx", "templates"))) {
            for (Path template : templates.toList()) {
                needed.addAll(placeholders(Files.readString(template), Pattern.compile("\\$\\{([A-Z0-9_]+)}")));
            }
        }
        assertEquals(needed, fields(gateway.path("environment")));
        assertTrue(texts(gateway.path("volumes")).contains("./nginx/templates:/etc/nginx/templates:ro"));
        String upstreamHost = gateway.at("/environment/SIGNER_UPSTREAM").asText().split(":")[0];
        assertTrue(compose().path("services").has(upstreamHost), upstreamHost);
    }

    @Test
    void composeConfiguresTheServiceThroughNamesItsConfigurationUnderstands() throws Exception {
        JsonNode services = compose().path("services");
        Map<String, String> environment = new HashMap<>();
        services.at("/signer/environment").properties().forEach(e -> environment.put(e.getKey(), e.getValue().asText()));
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ApplicationsConfig.class)
                .withMapping(AuthConfig.class)
                .withSources(new EnvConfigSource(environment, 300))
                .build();

        ApplicationsConfig.ApplicationConfig demo = config.getConfigMapping(ApplicationsConfig.class).applications().get("demo");
        assertEquals(TestApplication.VECTOR.key(), demo.key().orElseThrow());
        assertEquals("/run/secrets/demo-application-secret", demo.secretFile().orElseThrow());
        assertTrue(texts(services.at("/signer/secrets")).contains("demo-application-secret"));
        assertEquals(TestApplication.VECTOR.secret(), Files.readString(Path.of("docker", "demo", "demo-application.secret")).strip());

        AuthConfig.CallerConfig gateway = config.getConfigMapping(AuthConfig.class).callers().get("gateway");
        assertTrue(gateway.gateway());
        assertEquals(List.of("demo"), gateway.applications().orElseThrow());
        // The token nginx presents is the one whose hash the service knows.
        String token = services.at("/gateway/environment/SIGNER_GATEWAY_TOKEN").asText();
        assertEquals(sha256Hex(token), gateway.tokenSha256().orElseThrow());
        assertEquals(token, services.at("/envoy/environment/SIGNER_GATEWAY_TOKEN").asText());

        assertEquals("redis://redis:6379", environment.get("QUARKUS_REDIS_HOSTS"));
        assertTrue(texts(services.at("/redis/command")).containsAll(List.of("--appendonly", "yes")));
        assertTrue(services.at("/signer/read_only").asBoolean());
    }

    private static FileDescriptorSet descriptorSet() throws IOException {
        ExtensionRegistry registry = ExtensionRegistry.newInstance();
        AnnotationsProto.registerAllExtensions(registry);
        return FileDescriptorSet.parseFrom(Files.readAllBytes(DESCRIPTOR_SET), registry);
    }

    /** Builds every file from the set alone: a missing import fails here, as it would in Envoy. */
    private static ServiceDescriptor service(FileDescriptorSet set) throws Exception {
        Map<String, FileDescriptor> built = new HashMap<>();
        for (FileDescriptorProto file : set.getFileList()) {
            List<FileDescriptor> dependencies = new ArrayList<>();
            for (String dependency : file.getDependencyList()) {
                FileDescriptor found = built.get(dependency);
                assertTrue(found != null, file.getName() + " needs " + dependency + ", which the set lacks or lists later");
                dependencies.add(found);
            }
            built.put(file.getName(), FileDescriptor.buildFrom(file, dependencies.toArray(FileDescriptor[]::new)));
        }
        assertTrue(built.keySet().containsAll(Set.of("google/api/annotations.proto", "google/api/http.proto",
                "google/protobuf/duration.proto", "google/protobuf/timestamp.proto", "google/protobuf/descriptor.proto")),
                built.keySet().toString());
        return built.get("signer/v1/registration_signer.proto").findServiceByName("RegistrationSigner");
    }

    private static Map<String, String> httpRules(ServiceDescriptor service) {
        Map<String, String> rules = new HashMap<>();
        for (MethodDescriptor method : service.getMethods()) {
            HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
            assertEquals(HttpRule.PatternCase.POST, rule.getPatternCase(), method.getName());
            rules.put(method.getName(), "POST " + rule.getPost() + " body=" + rule.getBody());
        }
        return rules;
    }

    private static JsonNode compose() throws IOException {
        return YAML.readTree(Path.of("docker", "compose.yaml").toFile());
    }

    private static JsonNode connectionManager(JsonNode envoy) {
        return envoy.at("/static_resources/listeners/0/filter_chains/0/filters/0/typed_config");
    }

    private static JsonNode httpFilter(JsonNode envoy, String name) {
        for (JsonNode filter : connectionManager(envoy).path("http_filters")) {
            if (filter.path("name").asText().equals(name)) {
                return filter;
            }
        }
        throw new AssertionError("no http filter " + name);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    private static Set<String> fields(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<String> placeholders(String text, Pattern pattern) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static String sha256Hex(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
