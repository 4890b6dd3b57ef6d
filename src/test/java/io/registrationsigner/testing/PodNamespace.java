package io.registrationsigner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A network and mount namespace of the test's own (unshare, as root), so that a shipped
 * configuration runs with its own paths, ports and host names: its files at their mount paths
 * (/etc is an overlay and /run a tmpfs, so nothing lands in the machine's), its host names in an /etc/hosts of
 * the namespace, and nothing but a loopback interface, on which it may use 8080, 6379 or 26379
 * whatever the machine runs there.
 */
public final class PodNamespace implements AutoCloseable {

    private final Path dir;
    private final Process holder;
    private final List<Process> processes = new ArrayList<>();

    private PodNamespace(Path dir, Process holder) {
        this.dir = dir;
        this.holder = holder;
    }

    /** Whether the run must have namespaces: CI sets SIGNER_TESTS_REQUIRE_NAMESPACES=true. */
    public static boolean required() {
        return Boolean.getBoolean("signer.tests.require-namespaces") || "true".equals(System.getenv("SIGNER_TESTS_REQUIRE_NAMESPACES"));
    }

    /**
     * Skips the test with what it needs (root, util-linux's unshare, nsenter and setpriv, iproute2's
     * ip), unless {@code required}: then it fails.
     */
    public static void assumeAvailable(boolean required) {
        List<String> missing = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            missing.add("root (for unshare)");
        }
        for (String tool : List.of("unshare", "nsenter", "setpriv", "ip")) {
            if (which(tool) == null) {
                missing.add(tool);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "a namespace of the test's own needs " + String.join(", ", missing)
                + " (Debian's util-linux and iproute2 packages, run as root)";
        if (required) {
            throw new IllegalStateException(message);
        }
        System.out.println("SKIPPED: " + message);
        Assumptions.assumeTrue(false, message);
    }

    /**
     * A new namespace whose /etc/hosts maps each name to its address (all on loopback: 127.0.0.0/8).
     */
    public static PodNamespace create(Path dir, Map<String, String> hosts) {
        try {
            dir = Files.createDirectories(dir.toAbsolutePath());
            Path upper = Files.createDirectories(dir.resolve("etc-upper"));
            Files.createDirectories(dir.resolve("etc-work"));
            StringBuilder hostsFile = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost\n");
            hosts.forEach((name, address) -> hostsFile.append(address).append('\t').append(name).append('\n'));
            Files.writeString(upper.resolve("hosts"), hostsFile);
            Process holder = new ProcessBuilder("unshare", "--net", "--mount", "--propagation", "private", "sleep", "3600")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("holder.log").toFile()).start();
            PodNamespace namespace = new PodNamespace(dir, holder);
            namespace.run("sh", "-c", which("ip") + " link set lo up && mount -t overlay overlay -o lowerdir=/etc,upperdir=" + upper
                    + ",workdir=" + dir.resolve("etc-work") + " /etc && mount -t tmpfs -o size=16m,mode=0755 tmpfs /run");
            return namespace;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command in the namespace to its end; fails unless it exits 0. */
    public String run(String... command) {
        List<String> inside = new ArrayList<>(enter());
        inside.addAll(List.of(command));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Command result;
        // The holder may not have entered its namespaces yet.
        do {
            result = Command.run(dir, Map.of(), Duration.ofSeconds(60), inside);
        } while (result.exitCode() != 0 && result.output().contains("nsenter") && System.nanoTime() < deadline && pause());
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed in the namespace:\n" + result.output());
        }
        return result.output();
    }

    /** Mounts a directory of the test read-only at {@code mountPath}, as the kubelet mounts a volume. */
    public void mountReadOnly(Path source, String mountPath) {
        run("sh", "-c", "mkdir -p '" + mountPath + "' && mount --bind -o ro '" + source.toAbsolutePath() + "' '" + mountPath + "'");
    }

    /** Mounts a file of the test read-only at {@code target}, as {@code docker run -v file:target:ro} does. */
    public void mountFileReadOnly(Path source, String target) {
        run("sh", "-c", "mkdir -p \"$(dirname '" + target + "')\" && touch '" + target + "' && mount --bind -o ro '"
                + source.toAbsolutePath() + "' '" + target + "'");
    }

    /** Starts a process in the namespace, as root, with exactly this environment (and a PATH). */
    public Process start(List<String> command, Map<String, String> environment, Path log) {
        List<String> inside = new ArrayList<>(enter());
        inside.addAll(command);
        return start(inside, environment, log, true);
    }

    /**
     * Starts a process as a container of a pod runs it: as {@code uid}:{@code gid} with no
     * capabilities and no new privileges, on a read-only root file system, with a tmpfs of
     * {@code tmpMiB} at /tmp (none, and /tmp read-only, for 0), exactly this environment (the pod's) and a PATH.
     */
    public Process startContainer(List<String> command, Map<String, String> environment, Path log, int uid, int gid, int tmpMiB) {
        List<String> inside = new ArrayList<>(enter());
        inside.addAll(List.of("unshare", "--mount", "--", "sh", "-c",
                "mount --rbind / / && mount -o remount,bind,ro / && "
                        + (tmpMiB > 0 ? "mount -t tmpfs -o size=" + tmpMiB + "m,mode=1777 tmpfs /tmp" : "mount -o remount,bind,ro /tmp 2>/dev/null; true")
                        + " && exec setpriv --reuid=" + uid + " --regid=" + gid + " --groups=" + gid
                        + " --inh-caps=-all --bounding-set=-all --no-new-privs \"$@\"",
                "container"));
        inside.addAll(command);
        return start(inside, environment, log, false);
    }

    private Process start(List<String> command, Map<String, String> environment, Path log, boolean inheritPath) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            String path = builder.environment().get("PATH");
            builder.environment().clear();
            builder.environment().put("PATH", inheritPath ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
            builder.environment().putAll(environment);
            Process process = builder.start();
            synchronized (processes) {
                processes.add(process);
            }
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> enter() {
        // In the test's working directory (the project), as a shell would start there.
        return List.of("nsenter", "--target", Long.toString(holder.pid()), "--net", "--mount",
                "--wd=" + Path.of("").toAbsolutePath(), "--");
    }

    private static boolean pause() {
        try {
            Thread.sleep(50);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path which(String tool) {
        for (String entry : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(entry, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    @Override
    public void close() {
        synchronized (processes) {
            for (Process process : processes) {
                process.destroyForcibly();
            }
            for (Process process : processes) {
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        holder.destroyForcibly();
    }
}
