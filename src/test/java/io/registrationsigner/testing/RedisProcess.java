package io.registrationsigner.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import redis.embedded.core.ExecutableProvider;

/**
 * A redis-server process of the test's own (the binary embedded-redis ships), on a free loopback
 * port, that the test can kill with SIGKILL and start again: for clusters, sentinels and failures.
 */
public final class RedisProcess implements AutoCloseable {

    private static File binary;

    private final Path dir;
    private final int port;
    private final List<String> arguments;
    private Process process;

    private RedisProcess(Path dir, int port, List<String> arguments) {
        this.dir = dir;
        this.port = port;
        this.arguments = arguments;
    }

    /** A Redis server without persistence, plus {@code settings} ("--name", "value", ...). */
    public static RedisProcess server(Path dir, String... settings) {
        int port = freePort();
        List<String> arguments = new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toAbsolutePath().toString()));
        arguments.addAll(List.of(settings));
        return start(dir, port, arguments);
    }

    /** A sentinel that watches {@code master} as "mymaster", quorum 1, failing over after 1 s. */
    public static RedisProcess sentinel(Path dir, int masterPort) {
        int port = freePort();
        try {
            Files.createDirectories(dir);
            Path config = Files.writeString(dir.resolve("sentinel.conf"), String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "dir " + dir.toAbsolutePath(),
                    "sentinel monitor mymaster 127.0.0.1 " + masterPort + " 1",
                    "sentinel down-after-milliseconds mymaster 1000",
                    "sentinel failover-timeout mymaster 5000",
                    ""));
            return start(dir, port, List.of(config.toAbsolutePath().toString(), "--sentinel"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RedisProcess start(Path dir, int port, List<String> arguments) {
        RedisProcess redis = new RedisProcess(dir, port, arguments);
        redis.start();
        return redis;
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts it (again), on the same port with the same settings, and waits until it answers PING. */
    public synchronized void start() {
        try {
            Files.createDirectories(dir);
            List<String> command = new ArrayList<>();
            command.add(binary().getAbsolutePath());
            command.addAll(arguments);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis-" + port + ".log").toFile()))
                    .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("redis-server on " + port + " exited: "
                            + Files.readString(dir.resolve("redis-" + port + ".log")));
                }
                try {
                    String reply = RedisProbe.command(port, "PING");
                    // A server with requirepass answers, but not PONG, before AUTH.
                    if ("+PONG".equals(reply) || reply.startsWith("-NOAUTH")) {
                        return;
                    }
                } catch (UncheckedIOException notYet) {
                    // not listening yet
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("redis-server on " + port + " did not answer PING within 10 s");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: no shutdown, no last write to disk, as when a machine dies. */
    public synchronized void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public String command(String... args) {
        return RedisProbe.command(port, args);
    }

    @Override
    public void close() {
        kill();
    }

    private static synchronized File binary() throws IOException {
        if (binary == null) {
            binary = ExecutableProvider.newJarResourceProvider().get();
        }
        return binary;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
