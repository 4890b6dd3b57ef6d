package io.registrationsigner.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * A peer of the benchmark: SignRegistration as token servers are usually written in another
 * language, measured with the same load and shapes as the service, in the same run, on the same
 * Redis. Node.js (src/bench/node) and Go (src/bench/go); a peer whose tools are not on the PATH
 * says so and is skipped.
 */
final class PeerServer implements AutoCloseable {

    static final String GO_PACKAGES = "golang-go protobuf-compiler protoc-gen-go-1-3 golang-google-grpc-dev"
            + " golang-google-protobuf-dev golang-gopkg-redis.v5-dev";

    /** Debian 12's Go libraries, used in GOPATH mode: the Go module proxy is not reachable from every machine. */
    private static final Path DEBIAN_GOPATH = Path.of("/usr/share/gocode");

    private final String name;
    private final String description;
    private final String userId;
    private final RedisProcess redis;
    private final Process process;
    private final int port;

    private PeerServer(String name, String description, String userId, RedisProcess redis, Process process, int port) {
        this.name = name;
        this.description = description;
        this.userId = userId;
        this.redis = redis;
        this.process = process;
        this.port = port;
    }

    /** The peers whose tools are on the PATH, started and listening. */
    static List<PeerServer> start(Path dir, RedisProcess redis) throws IOException, InterruptedException {
        List<PeerServer> peers = new ArrayList<>();
        try {
            PeerServer node = node(dir, redis);
            if (node != null) {
                peers.add(node);
            }
            PeerServer go = go(dir, redis);
            if (go != null) {
                peers.add(go);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // A peer that failed to build or start leaves none running.
            for (PeerServer started : peers) {
                started.close();
            }
            throw e;
        }
        return peers;
    }

    String name() {
        return name;
    }

    /** What the peer is built from, with versions. */
    String description() {
        return description;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** The SignRegistration request this peer is sent: its own user, so that its counter is its own. */
    CallCost.Rpc sign() {
        return CallCost.rpcs(userId, 1, "").get(0);
    }

    /** The calls the peer has answered OK: every OK answer is one INCR of its user's counter. */
    long okCount() {
        return ServiceBenchmark.counter(redis, userId);
    }

    private static PeerServer node(Path dir, RedisProcess redis) throws IOException, InterruptedException {
        if (!onPath("node") || !onPath("npm")) {
            System.out.println("Node.js peer: node and npm are not on the PATH (Debian: apt-get install nodejs npm): not measured");
            return null;
        }
        Path peerDir = Files.createDirectories(dir.resolve("node-peer"));
        for (String file : List.of("package.json", "package-lock.json", "peer-server.js")) {
            Files.copy(Path.of("src", "bench", "node", file), peerDir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(peerDir.resolve("node_modules"))) {
            run(peerDir, "npm.log", Map.of(), "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts");
        }
        String version = output(peerDir, "node", "--version").trim();
        return launch("Node.js", "Node.js " + version + ", @grpc/grpc-js and node-redis (src/bench/node/package-lock.json)",
                "peer-user", redis, peerDir, List.of("node", "peer-server.js"));
    }

    /**
     * The Go peer, built in GOPATH mode against Debian 12's packages of grpc-go, go-redis and
     * protobuf, its stubs generated from the contract by protoc-gen-go.
     */
    private static PeerServer go(Path dir, RedisProcess redis) throws IOException, InterruptedException {
        if (!onPath("go") || !onPath("protoc") || !onPath("protoc-gen-go")
                || !Files.isDirectory(DEBIAN_GOPATH.resolve("src/google.golang.org/grpc"))
                || !Files.isDirectory(DEBIAN_GOPATH.resolve("src/gopkg.in/redis.v5"))
                // The stubs import the well-known types (Duration, Timestamp) from google.golang.org/protobuf.
                || !Files.isDirectory(DEBIAN_GOPATH.resolve("src/google.golang.org/protobuf/types/known"))) {
            System.out.println("Go peer: go, protoc, protoc-gen-go or Debian's grpc-go, protobuf and go-redis are missing (Debian 12:"
                    + " apt-get install " + GO_PACKAGES + "): not measured");
            return null;
        }
        Path peerDir = Files.createDirectories(dir.resolve("go-peer"));
        Path gopath = peerDir.resolve("gopath");
        Path main = Files.createDirectories(gopath.resolve("src/registrationsigner/peer"));
        Path stubs = Files.createDirectories(main.resolve("signerv1"));
        Files.copy(Path.of("src", "bench", "go", "peer-server.go"), main.resolve("peer-server.go"), StandardCopyOption.REPLACE_EXISTING);
        Path generated = Files.createDirectories(peerDir.resolve("generated"));
        run(peerDir, "protoc.log", Map.of(), "protoc", "-I", Path.of("target", "contract").toAbsolutePath().toString(),
                "--go_out=plugins=grpc:" + generated.toAbsolutePath(), "signer/v1/registration_signer.proto");
        Files.move(generated.resolve("signer/v1/registration_signer.pb.go"), stubs.resolve("registration_signer.pb.go"),
                StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> environment = Map.of("GO111MODULE", "off", "GOFLAGS", "", "GOPATH",
                gopath.toAbsolutePath() + ":" + DEBIAN_GOPATH, "GOCACHE", peerDir.resolve("gocache").toAbsolutePath().toString());
        Path binary = peerDir.resolve("peer-server").toAbsolutePath();
        run(peerDir, "go-build.log", environment, "go", "build", "-o", binary.toString(), "registrationsigner/peer");
        String goVersion = output(peerDir, "go", "version").replaceAll("^go version go(\\S+).*\\s*$", "$1");
        Matcher grpcVersion = Pattern.compile("const Version = \"([^\"]+)\"")
                .matcher(Files.readString(DEBIAN_GOPATH.resolve("src/google.golang.org/grpc/version.go")));
        return launch("Go", "Go " + goVersion + ", grpc-go " + (grpcVersion.find() ? grpcVersion.group(1) : "?")
                + " and go-redis v5 (Debian 12's packages)", "go-peer-user", redis, peerDir, List.of(binary.toString()));
    }

    private static PeerServer launch(String name, String description, String userId, RedisProcess redis, Path peerDir,
            List<String> command) throws IOException, InterruptedException {
        int port = freePort();
        ProcessBuilder builder = new ProcessBuilder(command).directory(peerDir.toFile())
                .redirectErrorStream(true).redirectOutput(peerDir.resolve("peer.log").toFile());
        builder.environment().put("PEER_PORT", Integer.toString(port));
        builder.environment().put("PEER_PROTO_DIR", Path.of("target", "contract").toAbsolutePath().toString());
        builder.environment().put("PEER_REDIS_URL", redis.uri());
        builder.environment().put("PEER_REDIS_ADDR", "127.0.0.1:" + redis.port());
        builder.environment().put("PEER_TOKEN_SHA256", sha256Hex(TestCaller.BACKEND.token()));
        builder.environment().put("PEER_APPLICATION_KEY", TestApplication.VECTOR.key());
        builder.environment().put("PEER_APPLICATION_SECRET", TestApplication.VECTOR.secret());
        Process process = builder.start();
        try {
            awaitPort(port, process, peerDir);
        } catch (IOException | RuntimeException e) {
            process.destroy();
            throw e;
        }
        return new PeerServer(name, description, userId, redis, process, port);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    private static void run(Path dir, String log, Map<String, String> environment, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(log).toFile());
        builder.environment().putAll(environment);
        if (builder.start().waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: "
                    + Files.readString(dir.resolve(log), StandardCharsets.UTF_8));
        }
    }

    private static String output(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return output;
    }

    private static void awaitPort(int port, Process peer, Path peerDir) throws IOException, InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < giveUp) {
            if (!peer.isAlive()) {
                throw new IllegalStateException("the peer server exited: " + Files.readString(peerDir.resolve("peer.log"), StandardCharsets.UTF_8));
            }
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("the peer server did not listen within 30 s");
    }

    private static boolean onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir.isEmpty() ? "." : dir, name))) {
                return true;
            }
        }
        return false;
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
