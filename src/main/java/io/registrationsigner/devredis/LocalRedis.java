package io.registrationsigner.devredis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import redis.embedded.RedisServer;

/**
 * A real redis-server, from the binaries that embedded-redis ships, on a free loopback port,
 * for dev mode and the tests: a fresh machine needs nothing but a JDK. Its data lives in an
 * append-only file, so it survives {@link #stop()} and {@link #start()} like a production Redis.
 * <p>
 * Not part of the packaged service: embedded-redis is a provided-scope dependency.
 */
public final class LocalRedis implements AutoCloseable {

    private final int port;
    private final RedisServer server;

    private LocalRedis(int port, RedisServer server) {
        this.port = port;
        this.server = server;
    }

    /** Starts a new Redis that keeps its data in {@code dataDir}. */
    public static LocalRedis start(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            int port = freePort();
            RedisServer server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly yes")
                    .setting("dir \"" + dataDir.toAbsolutePath() + "\"")
                    .build();
            LocalRedis redis = new LocalRedis(port, server);
            redis.start();
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start a local Redis", e);
        }
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** Starts it again on the same port, with the data it had. */
    public void start() {
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the local Redis on port " + port, e);
        }
    }

    public void stop() {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop the local Redis on port " + port, e);
        }
    }

    @Override
    public void close() {
        if (server.isActive()) {
            stop();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
