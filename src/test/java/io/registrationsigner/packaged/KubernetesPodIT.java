package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.registrationsigner.testing.CertManager;
import io.registrationsigner.testing.ContainerJvm;
import io.registrationsigner.testing.Docs;
import io.registrationsigner.testing.Kubectl;
import io.registrationsigner.testing.PodCaller;
import io.registrationsigner.testing.PodNamespace;
import io.registrationsigner.testing.Signatures;

/**
 * The pod of docker/kubernetes, for real: {@code kubectl kustomize} renders the manifests, and the
 * packaged service starts with exactly what a pod of the Deployment gets. Its container's
 * {@code envFrom} and {@code env}; every ConfigMap and Secret volume at its {@code mountPath}, laid
 * out as the kubelet lays it out ({@code ..data} links), owned by the {@code fsGroup} with the
 * volume's mode; its user, no capabilities, a read-only root and the {@code /tmp} emptyDir; the
 * JVM image's options in the container's memory limit. All in a network and mount namespace of
 * the test's own, so that the manifests' paths, ports and host names hold: Redis behind three
 * sentinels at the names of {@code QUARKUS_REDIS_HOSTS}, the service at every name of its
 * Certificate and of the docs. The secrets are made as cert-manager and the documented
 * {@code kubectl create secret} make them. The JVM image stands in for the native one, which this
 * machine cannot build.
 */
class KubernetesPodIT {

    private static final Path DIR = Path.of("target", "test-resources", "kubernetes-pod-" + UUID.randomUUID()).toAbsolutePath();
    private static final Pattern SENTINEL = Pattern.compile("redis://([^:,/]+):(\\d+)");
    private static final Pattern FROM_FILE = Pattern.compile("--from-file=([\\w.-]+)=(\\S+)");
    private static final Pattern CREATE_SECRETS = Pattern.compile("kubectl (?:-n \\S+ )?create secret generic registration-signer-secrets((?:\\s*\\\\?\\s*--from-file=\\S+)+)");
    private static final String POD_ADDRESS = "127.0.0.2";
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void thePodStartsPassesItsProbesSignsForItsCallersUnderEveryNameAndDrainsOnSigterm() throws Exception {
        Kubectl.assumeAvailable();
        PodNamespace.assumeAvailable(Kubectl.required() || PodNamespace.required());
        assertTrue(CertManager.available(), "openssl is needed to make the certificates");

        List<JsonNode> objects = Kubectl.kustomize();
        JsonNode deployment = Kubectl.object(objects, "Deployment", "registration-signer");
        String namespace = deployment.path("metadata").path("namespace").asText();
        assertFalse(namespace.isEmpty(), "kustomization.yaml sets no namespace, which the Certificate's names need");
        JsonNode podSpec = deployment.path("spec").path("template").path("spec");
        assertEquals(1, podSpec.path("containers").size());
        JsonNode container = podSpec.path("containers").get(0);

        // The container's environment: envFrom, then env (which wins), as the kubelet builds it.
        Map<String, String> environment = new LinkedHashMap<>();
        for (JsonNode from : container.path("envFrom")) {
            JsonNode configMap = Kubectl.object(objects, "ConfigMap", from.path("configMapRef").path("name").asText());
            configMap.path("data").fields().forEachRemaining(e -> environment.put(e.getKey(), e.getValue().asText()));
        }
        for (JsonNode variable : container.path("env")) {
            assertTrue(variable.has("value"), "only literal env values are supported here: " + variable);
            environment.put(variable.path("name").asText(), variable.path("value").asText());
        }

        // Host names: the sentinels of QUARKUS_REDIS_HOSTS, and the service under every name of its
        // Certificate and the short name the docs tell clients to dial.
        Map<String, String> hosts = new LinkedHashMap<>();
        List<String> sentinelAddresses = new ArrayList<>();
        Matcher sentinel = SENTINEL.matcher(environment.get("QUARKUS_REDIS_HOSTS"));
        while (sentinel.find()) {
            String address = "127.0.0.1" + sentinelAddresses.size();
            assertEquals("26379", sentinel.group(2), "a sentinel's port");
            hosts.put(sentinel.group(1), address);
            sentinelAddresses.add(address);
        }
        assertEquals(3, sentinelAddresses.size(), environment.get("QUARKUS_REDIS_HOSTS"));
        JsonNode serverCertificate = Kubectl.object(objects, "Certificate", "registration-signer");
        Set<String> names = new LinkedHashSet<>();
        serverCertificate.path("spec").path("dnsNames").forEach(name -> names.add(name.asText()));
        for (String name : names) {
            String[] labels = name.split("\\.");
            if (labels.length > 1) {
                assertEquals(namespace, labels[1], "the Certificate's " + name + " names another namespace than the manifests'");
            }
        }
        Matcher documented = Pattern.compile("dns:///([\\w.-]+):8080").matcher(Files.readString(Docs.DEPLOYMENT));
        while (documented.find()) {
            assertTrue(names.contains(documented.group(1)), "docs/deployment.md dials " + documented.group(1)
                    + ", a name the Certificate lacks: " + names);
        }
        names.forEach(name -> hosts.put(name, POD_ADDRESS));

        // Secrets, made as cert-manager and the operator of docs/deployment.md make them.
        Path secretsDir = Files.createDirectories(DIR.resolve("secrets"));
        Path internalCa = CertManager.ca(secretsDir.resolve("internal-ca"), "cluster internal CA");
        Path serverTls = CertManager.issue(internalCa, secretsDir.resolve(serverCertificate.path("spec").path("secretName").asText()),
                List.copyOf(names), "serverAuth");
        JsonNode callersCaCertificate = Kubectl.object(objects, "Certificate", "registration-signer-callers-ca");
        assertTrue(callersCaCertificate.path("spec").path("isCA").asBoolean());
        Path callersCa = CertManager.ca(secretsDir.resolve(callersCaCertificate.path("spec").path("secretName").asText()),
                callersCaCertificate.path("spec").path("commonName").asText());
        JsonNode gatewayCertificate = Kubectl.object(objects, "Certificate", "api-gateway-client");
        List<String> gatewayNames = new ArrayList<>();
        gatewayCertificate.path("spec").path("dnsNames").forEach(name -> gatewayNames.add(name.asText()));
        Path gatewayTls = CertManager.issue(callersCa, secretsDir.resolve(gatewayCertificate.path("spec").path("secretName").asText()),
                gatewayNames, "clientAuth");

        Matcher create = CREATE_SECRETS.matcher(Files.readString(Docs.DEPLOYMENT));
        assertTrue(create.find(), "docs/deployment.md shows no kubectl create secret generic registration-signer-secrets");
        Path operatorSecrets = Files.createDirectories(secretsDir.resolve("registration-signer-secrets"));
        String applicationSecret = Base64.getEncoder().encodeToString(bytes(16));
        String redisPassword = HexFormat.of().formatHex(bytes(24));
        Matcher fromFile = FROM_FILE.matcher(create.group(1));
        Set<String> secretKeys = new LinkedHashSet<>();
        while (fromFile.find()) {
            secretKeys.add(fromFile.group(1));
            // The operator's files: as an editor or echo leaves them, with a newline.
            Files.writeString(operatorSecrets.resolve(fromFile.group(1)),
                    (fromFile.group(1).equals("redis-password") ? redisPassword : applicationSecret) + "\n");
        }
        assertTrue(secretKeys.contains("redis-password"), "the documented Secret has no redis-password: " + secretKeys);

        // The callers' ConfigMap, edited as its comments say: the backend's token hash replaced.
        String backendToken = HexFormat.of().formatHex(bytes(32));
        JsonNode applicationsMap = Kubectl.object(objects, "ConfigMap", "registration-signer-applications");
        Properties applications = new Properties();
        String applicationsFile = applicationsMap.path("data").path("applications.properties").asText();
        applications.load(new java.io.StringReader(applicationsFile));
        String tokenHashKey = applications.stringPropertyNames().stream().filter(k -> k.endsWith(".token-sha256")).findFirst().orElseThrow();
        String backendName = tokenHashKey.split("\\.")[3];
        String edited = applicationsFile.replace(applications.getProperty(tokenHashKey), sha256(backendToken));
        String applicationKey = applications.getProperty("signer.applications.payments.key");

        Map<String, Map<String, Path>> secrets = Map.of(
                "registration-signer-tls", files(serverTls, "tls.crt", "tls.key", "ca.crt"),
                "registration-signer-callers-ca", files(callersCa, "tls.crt", "tls.key", "ca.crt"),
                "registration-signer-secrets", files(operatorSecrets, secretKeys.toArray(String[]::new)));

        // The volumes, at their mount paths.
        int fsGroup = podSpec.path("securityContext").path("fsGroup").asInt();
        Map<String, JsonNode> volumes = new LinkedHashMap<>();
        podSpec.path("volumes").forEach(volume -> volumes.put(volume.path("name").asText(), volume));
        Map<String, Path> mounts = new LinkedHashMap<>();
        int tmpMiB = 0;
        for (JsonNode mount : container.path("volumeMounts")) {
            JsonNode volume = volumes.get(mount.path("name").asText());
            String mountPath = mount.path("mountPath").asText();
            if (volume.has("emptyDir")) {
                assertEquals("/tmp", mountPath, "the test makes /tmp the container's one emptyDir");
                assertEquals("Memory", volume.path("emptyDir").path("medium").asText());
                tmpMiB = Integer.parseInt(volume.path("emptyDir").path("sizeLimit").asText().replace("Mi", ""));
                continue;
            }
            Map<String, String> contents = new LinkedHashMap<>();
            int mode;
            if (volume.has("configMap")) {
                JsonNode configMap = Kubectl.object(objects, "ConfigMap", volume.path("configMap").path("name").asText());
                configMap.path("data").fields().forEachRemaining(e -> contents.put(e.getKey(),
                        e.getKey().equals("applications.properties") ? edited : e.getValue().asText()));
                mode = volume.path("configMap").path("defaultMode").asInt(0644);
            } else {
                String secretName = volume.path("secret").path("secretName").asText();
                Map<String, Path> secret = secrets.get(secretName);
                assertTrue(secret != null, "no Secret " + secretName + " is made by cert-manager or the docs");
                JsonNode items = volume.path("secret").path("items");
                if (items.isMissingNode() || items.isEmpty()) {
                    secret.forEach((key, file) -> contents.put(key, read(file)));
                } else {
                    items.forEach(item -> contents.put(item.path("path").asText(), read(secret.get(item.path("key").asText()))));
                }
                mode = volume.path("secret").path("defaultMode").asInt(0644);
            }
            mounts.put(mountPath, kubeletVolume(DIR.resolve("volumes").resolve(mount.path("name").asText()), contents, mode, fsGroup));
        }
        assertTrue(tmpMiB > 0, "no /tmp emptyDir: the root file system is read-only");

        try (PodNamespace pod = PodNamespace.create(DIR.resolve("namespace"), hosts)) {
            mounts.forEach((mountPath, source) -> pod.mountReadOnly(source, mountPath));
            startRedis(pod, redisPassword, sentinelAddresses, environment.get("QUARKUS_REDIS_MASTER_NAME"));

            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(ContainerJvm.options());
            command.add("-jar");
            command.add(Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString());
            JsonNode security = podSpec.path("securityContext");
            Path serviceLog = DIR.resolve("service.log");
            Process service = pod.startContainer(command, environment, serviceLog, security.path("runAsUser").asInt(),
                    security.path("runAsGroup").asInt(), tmpMiB);

            // The kubelet's probes, on the management port by name.
            int managementPort = containerPort(container, container.path("startupProbe").path("httpGet").path("port").asText());
            Properties probes = new Properties();
            probes.setProperty("mode", "probes");
            for (String probe : List.of("startup", "liveness", "readiness")) {
                JsonNode httpGet = container.path(probe + "Probe").path("httpGet");
                assertEquals(managementPort, containerPort(container, httpGet.path("port").asText()));
                probes.setProperty(probe, "http://" + POD_ADDRESS + ":" + managementPort + httpGet.path("path").asText());
            }
            probes.setProperty("startup.period", container.path("startupProbe").path("periodSeconds").asText());
            probes.setProperty("startup.failures", container.path("startupProbe").path("failureThreshold").asText());
            String probed = caller(pod, "probes", probes);
            assertTrue(probed.contains("probe startup 200 "), probed + log(serviceLog));
            assertTrue(probed.contains("probe liveness 200"), probed + log(serviceLog));
            assertTrue(probed.contains("probe readiness 200"), probed + log(serviceLog));

            int grpcPort = containerPort(container, "grpc");
            List<String> targets = names.stream().map(name -> "dns:///" + name + ":" + grpcPort).toList();
            // The gateway: its client certificate from the callers' CA, the end user in the header.
            Properties gateway = new Properties();
            gateway.setProperty("mode", "sign");
            gateway.setProperty("caller", "gateway");
            gateway.setProperty("targets", String.join(",", targets));
            gateway.setProperty("ca", serverTls.resolve("ca.crt").toString());
            gateway.setProperty("cert", gatewayTls.resolve("tls.crt").toString());
            gateway.setProperty("key", gatewayTls.resolve("tls-pkcs8.key").toString());
            gateway.setProperty("user-header", "x-end-user-id");
            gateway.setProperty("user", "alice");
            gateway.setProperty("application-key", applicationKey);
            String gatewayCalls = caller(pod, "gateway", gateway);
            assertSigned(gatewayCalls, "gateway", targets, "alice", applicationKey, applicationSecret, serviceLog);

            // A backend with its bearer token, and no client certificate.
            Properties backend = new Properties();
            backend.setProperty("mode", "sign");
            backend.setProperty("caller", backendName);
            backend.setProperty("targets", String.join(",", targets));
            backend.setProperty("ca", serverTls.resolve("ca.crt").toString());
            backend.setProperty("token", backendToken);
            backend.setProperty("user", "bob");
            backend.setProperty("application-key", applicationKey);
            String backendCalls = caller(pod, "backend", backend);
            assertSigned(backendCalls, backendName, targets, "bob", applicationKey, applicationSecret, serviceLog);

            // SIGTERM under load: the calls that reach the pod until its endpoint is gone are all answered.
            Path stop = DIR.resolve("endpoint-removed");
            Properties load = new Properties();
            load.putAll(backend);
            load.setProperty("mode", "load");
            load.setProperty("targets", "dns:///registration-signer-headless:" + grpcPort);
            load.setProperty("rate", "40");
            load.setProperty("in-flight", "16");
            load.setProperty("stop-after", stop.toString());
            load.setProperty("linger", "2000");
            Path loadLog = DIR.resolve("caller-load.log");
            Process loader = startCaller(pod, load, loadLog);
            awaitLine(loadLog, "load running", loader);
            // The pod's memory against its limit, after start-up, probes, TLS callers and load.
            long peakMiB = memoryMiB(service.pid(), "VmHWM:");
            int limitMiB = ContainerJvm.memoryLimitMiB();
            assertTrue(peakMiB < limitMiB, "peak resident " + peakMiB + " MiB, limit " + limitMiB + " MiB");
            long terminated = System.nanoTime();
            service.destroy();
            Files.writeString(stop, "");
            int grace = podSpec.path("terminationGracePeriodSeconds").asInt(30);
            assertTrue(service.waitFor(grace, TimeUnit.SECONDS), "the pod did not end within its grace period of " + grace + " s");
            long stoppedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - terminated);
            assertTrue(loader.waitFor(60, TimeUnit.SECONDS), "the load did not end");
            String loaded = Files.readString(loadLog);
            Matcher done = Pattern.compile("load done \\{OK=(\\d+)}").matcher(loaded);
            assertTrue(done.find() && !loaded.contains("load failure"), loaded);
            System.out.printf("kubernetes pod: probes %s; %d names signed for the gateway and the backend; peak resident"
                    + " %d MiB of the %d MiB limit (JVM %s, the JVM image's options); SIGTERM under load: %s calls, all OK,"
                    + " pod ended after %d ms (grace %d s)%n", probed.lines().toList(), targets.size(), peakMiB, limitMiB,
                    System.getProperty("java.version"), done.group(1), stoppedMillis, grace);
        }
    }

    private static void assertSigned(String output, String caller, List<String> targets, String user, String applicationKey,
            String secret, Path serviceLog) throws IOException {
        for (String target : targets) {
            Matcher signed = Pattern.compile("sign " + Pattern.quote(caller) + " " + Pattern.quote(target)
                    + " OK " + Pattern.quote(user) + " (\\d+) (\\S+)").matcher(output);
            assertTrue(signed.find(), caller + " at " + target + ":\n" + output + log(serviceLog));
            assertEquals(Signatures.expected(user, applicationKey, Long.parseLong(signed.group(1)), secret), signed.group(2));
        }
    }

    /** Master and replica with the password, and the sentinels that watch them, at their addresses. */
    private static void startRedis(PodNamespace pod, String password, List<String> sentinels, String masterName) throws Exception {
        String redis = redisBinary();
        Path redisDir = Files.createDirectories(DIR.resolve("redis"));
        String master = "127.0.0.20";
        String replica = "127.0.0.21";
        for (String address : List.of(master, replica)) {
            Path dir = Files.createDirectories(redisDir.resolve(address));
            List<String> lines = new ArrayList<>(List.of("bind " + address, "port 6379", "dir " + dir, "save \"\"",
                    "appendonly no", "requirepass " + password, "masterauth " + password, "maxmemory-policy noeviction"));
            if (address.equals(replica)) {
                lines.add("replicaof " + master + " 6379");
            }
            Files.writeString(dir.resolve("redis.conf"), String.join("\n", lines) + "\n");
            pod.start(List.of(redis, dir.resolve("redis.conf").toString()), Map.of(), dir.resolve("redis.log"));
            awaitLine(dir.resolve("redis.log"), "Ready to accept connections", null);
        }
        for (String address : sentinels) {
            Path dir = Files.createDirectories(redisDir.resolve("sentinel-" + address));
            Files.writeString(dir.resolve("sentinel.conf"), String.join("\n", "bind " + address, "port 26379",
                    "dir " + dir, "sentinel monitor " + masterName + " " + master + " 6379 2",
                    "sentinel auth-pass " + masterName + " " + password, "sentinel down-after-milliseconds " + masterName + " 2000",
                    "") + "\n");
            pod.start(List.of(redis, dir.resolve("sentinel.conf").toString(), "--sentinel"), Map.of(), dir.resolve("sentinel.log"));
        }
        for (String address : sentinels) {
            awaitLine(redisDir.resolve("sentinel-" + address).resolve("sentinel.log"), "+slave slave " + replica, null);
        }
    }

    private static String redisBinary() throws IOException {
        return redis.embedded.core.ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
    }

    /**
     * A volume as the kubelet's atomic writer lays it out: the files in a timestamped directory,
     * {@code ..data} linking to it, and each name a link through {@code ..data}; owned by root and
     * the pod's fsGroup, with the volume's mode.
     */
    private static Path kubeletVolume(Path dir, Map<String, String> contents, int mode, int fsGroup) throws Exception {
        String stamp = ".." + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss.SSSSSSSSS"));
        Path data = Files.createDirectories(dir.resolve(stamp));
        for (Map.Entry<String, String> file : contents.entrySet()) {
            Files.writeString(data.resolve(file.getKey()), file.getValue());
            Files.createSymbolicLink(dir.resolve(file.getKey()), Path.of("..data", file.getKey()));
        }
        Files.createSymbolicLink(dir.resolve("..data"), Path.of(stamp));
        run("chown", "-R", "-h", "0:" + fsGroup, dir.toString());
        run("chmod", "0755", dir.toString(), data.toString());
        for (String file : contents.keySet()) {
            run("chmod", Integer.toOctalString(mode), data.resolve(file).toString());
        }
        return dir;
    }

    private static String caller(PodNamespace pod, String name, Properties properties) throws Exception {
        Path log = DIR.resolve("caller-" + name + ".log");
        Process process = startCaller(pod, properties, log);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), name + " did not end: " + Files.readString(log));
        return Files.readString(log);
    }

    private static Process startCaller(PodNamespace pod, Properties properties, Path log) throws IOException {
        Path file = DIR.resolve(log.getFileName() + ".properties");
        try (var out = Files.newBufferedWriter(file)) {
            properties.store(out, null);
        }
        return pod.start(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), PodCaller.class.getName(), file.toString()), Map.of(), log);
    }

    private static void awaitLine(Path log, String line, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return;
            }
            if (process != null && !process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no \"" + line + "\" in " + log + ":\n" + (Files.exists(log) ? Files.readString(log) : ""));
    }

    private static long memoryMiB(long pid, String field) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream().filter(l -> l.startsWith(field))
                .mapToLong(l -> Long.parseLong(l.substring(field.length()).trim().split("\\s+")[0]) / 1024).findFirst().orElseThrow();
    }

    private static int containerPort(JsonNode container, String name) {
        for (JsonNode port : container.path("ports")) {
            if (port.path("name").asText().equals(name) || port.path("containerPort").asText().equals(name)) {
                return port.path("containerPort").asInt();
            }
        }
        throw new AssertionError("the container has no port " + name);
    }

    private static Map<String, Path> files(Path dir, String... names) {
        Map<String, Path> files = new LinkedHashMap<>();
        for (String name : names) {
            files.put(name, dir.resolve(name));
        }
        return files;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String log(Path serviceLog) throws IOException {
        return "\nservice log:\n" + (Files.exists(serviceLog) ? Files.readString(serviceLog) : "(none)");
    }

    private static byte[] bytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static void run(String... command) {
        var result = io.registrationsigner.testing.Command.run(Path.of("."), Map.of(), Duration.ofSeconds(30), List.of(command));
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + ": " + result.output());
        }
    }
}
