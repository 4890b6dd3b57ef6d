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
import java.util.concurrent.TimeUnit;

import io.registrationsigner.testing.RedisProbe;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * The peer of the benchmark (src/bench/node/peer-server.js): SignRegistration as token servers
 * are usually written in Node.js, measured with the same load and shapes as the service, in the
 * same run, on the same Redis. Needs node and npm on the PATH; otherwise it says so and is skipped.
 */
final class PeerServer {

    private static final String USER = "peer-user";

    private PeerServer() {
    }

    static void measure(Path dir, RedisProcess redis, int calls, int round, int maxRounds,
            List<CallCost.Measurement> service) throws IOException, InterruptedException {
        if (!onPath("node") || !onPath("npm")) {
            System.out.println();
            System.out.println("Peer server: node and npm are not on the PATH (Debian: apt-get install nodejs npm): not measured");
            return;
        }
        Path peerDir = Files.createDirectories(dir.resolve("node-peer"));
        for (String file : List.of("package.json", "package-lock.json", "peer-server.js")) {
            Files.copy(Path.of("src", "bench", "node", file), peerDir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(peerDir.resolve("node_modules"))) {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts").directory(peerDir.toFile())
                    .redirectErrorStream(true).redirectOutput(peerDir.resolve("npm.log").toFile()).start();
            if (npm.waitFor() != 0) {
                throw new IllegalStateException("npm ci failed; see " + peerDir.resolve("npm.log"));
            }
        }
        int port = freePort();
        ProcessBuilder builder = new ProcessBuilder("node", "peer-server.js").directory(peerDir.toFile())
                .redirectErrorStream(true).redirectOutput(peerDir.resolve("peer.log").toFile());
        builder.environment().put("PEER_PORT", Integer.toString(port));
        builder.environment().put("PEER_PROTO_DIR", Path.of("target", "contract").toAbsolutePath().toString());
        builder.environment().put("PEER_REDIS_URL", redis.uri());
        builder.environment().put("PEER_TOKEN_SHA256", sha256Hex(TestCaller.BACKEND.token()));
        builder.environment().put("PEER_APPLICATION_KEY", TestApplication.VECTOR.key());
        builder.environment().put("PEER_APPLICATION_SECRET", TestApplication.VECTOR.secret());
        Process peer = builder.start();
        try {
            awaitPort(port, peer, peerDir);
            CallCost cost = new CallCost(dir, port, peer.pid(), round, maxRounds);
            CallCost.Rpc sign = CallCost.rpcs(USER, 1, "").get(0);
            String key = "signer:seq:" + TestApplication.VECTOR.key() + ":" + USER;
            List<CallCost.Measurement> measurements = new ArrayList<>();
            for (CallCost.Measurement ofService : service) {
                if (ofService.rpc().name().equals(sign.name())) {
                    CallCost.Measurement ofPeer = cost.measure(sign, ofService.shape(), calls, () -> {
                        String value = RedisProbe.get(redis.port(), key);
                        return value == null ? 0 : Long.parseLong(value);
                    });
                    measurements.add(ofPeer);
                    System.out.printf("  (service / peer at %s: %.2f x the calls per second, %.2f x the CPU per call)%n",
                            ofService.shape(), ofService.callsPerSecond() / ofPeer.callsPerSecond(),
                            ofService.cpuMicrosPerCall() / ofPeer.cpuMicrosPerCall());
                }
            }
            CallCost.print("Peer: the same SignRegistration in Node.js (@grpc/grpc-js " + "and node-redis), same load, same Redis;"
                    + " CPU per call of the node process:", measurements);
        } finally {
            peer.destroy();
            peer.waitFor(10, TimeUnit.SECONDS);
        }
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
