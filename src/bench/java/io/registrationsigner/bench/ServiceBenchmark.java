package io.registrationsigner.bench;

import java.io.IOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.RegistrationSignerGrpc.RegistrationSignerFutureStub;
import io.registrationsigner.testing.Load;
import io.registrationsigner.testing.Load.Result;
import io.registrationsigner.testing.RedisProbe;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * The service benchmark: a Redis of its own, the packaged service (target/quarkus-app, default
 * settings, a caller with a bearer token as in production), SignRegistration with 128 calls in
 * flight on one HTTP/2 connection, then redis-benchmark -t incr -c 128 against the same Redis.
 * Prints throughput, latency percentiles, the ratio to Redis, CPU per 1,000 calls, peak RSS and
 * the time from process start to the first answered call; fails unless every call succeeded and
 * the Redis counters moved by exactly the number of calls.
 */
public final class ServiceBenchmark {

    private static final int USERS = 1000;
    private static final Path DIR = Path.of("target", "benchmark");

    public static void main(String[] args) throws Exception {
        int calls = Integer.getInteger("bench.calls", 200_000);
        int inFlight = Integer.getInteger("bench.in-flight", 128);
        // One connection puts every call on one event loop of the service; a gateway or several
        // clients open several, as redis-benchmark opens one per client.
        int connections = Integer.getInteger("bench.connections", 1);
        int warmup = Integer.getInteger("bench.warmup", Math.min(calls, 100_000));
        Files.createDirectories(DIR);
        try (RedisProcess redis = RedisProcess.server(DIR.resolve("redis"))) {
            Process service = null;
            ManagedChannel channel = null;
            List<ManagedChannel> loadChannels = new ArrayList<>();
            try {
                List<String> aotCache = aotCache(redis, warmup, inFlight);
                int port = freePort();
                int managementPort = freePort();
                long processStart = System.nanoTime();
                service = startService(port, managementPort, redis, aotCache);
                channel = channel(port);
                RegistrationSignerFutureStub stub = stub(channel);
                long firstAnswer = firstAnsweredCall(channel, stub, service, processStart);
                List<RegistrationSignerFutureStub> stubs = new ArrayList<>(List.of(stub));
                for (int i = 1; i < connections; i++) {
                    ManagedChannel more = channel(port);
                    loadChannels.add(more);
                    stubs.add(stub(more));
                }

                check(Load.run(warmup, inFlight, i -> stubs.get(i % connections), ServiceBenchmark::user, Duration.ofSeconds(30)),
                        warmup, "warm-up");
                boolean h2load = useH2load();
                if (h2load) {
                    // The same load once unmeasured: until its code is compiled, the JIT takes a third
                    // of a core of the two (seen up to 20 s after the Java warm-up).
                    h2load(port, warmup, inFlight, connections);
                }
                long countersBefore = h2load ? counter(redis, H2LOAD_USER) : counters(redis);
                long okBefore = okCalls(managementPort);
                long cpuBefore = cpuTicks(service.pid());
                long ownCpuBefore = cpuTicks(ProcessHandle.current().pid());
                long[] ioBefore = ioSystemCalls(service.pid());
                long start = System.nanoTime();
                long[] latencies;
                if (h2load) {
                    latencies = h2load(port, calls, inFlight, connections);
                } else {
                    List<Result> results = Load.run(calls, inFlight, i -> stubs.get(i % connections), ServiceBenchmark::user,
                            Duration.ofSeconds(30));
                    check(results, calls, "measured run");
                    latencies = results.stream().mapToLong(r -> r.endNanos() - r.startNanos()).toArray();
                }
                long elapsed = System.nanoTime() - start;
                long cpu = cpuTicks(service.pid()) - cpuBefore;
                long ownCpu = cpuTicks(ProcessHandle.current().pid()) - ownCpuBefore;
                long[] ioAfter = ioSystemCalls(service.pid());
                long peakRss = peakRssKiB(service.pid());
                long moved = (h2load ? counter(redis, H2LOAD_USER) : counters(redis)) - countersBefore;
                long ok = okCalls(managementPort) - okBefore;
                if (moved != calls || ok != calls) {
                    throw new AssertionError("the Redis counters moved by " + moved + " and the service answered " + ok
                            + " calls OK, not " + calls);
                }
                Arrays.sort(latencies);

                double callsPerSecond = calls / (elapsed / 1e9);
                Double redisPerSecond = redisBenchmark(redis.port(), calls);

                System.out.println();
                System.out.println("registration-signer benchmark: " + calls + " SignRegistration calls, " + inFlight
                        + " in flight on " + (connections == 1 ? "one HTTP/2 connection" : connections + " HTTP/2 connections")
                        + ", load from " + (h2load ? "h2load (one user)" : "the Java generator ("
                        + USERS + " users)") + "; " + Runtime.getRuntime().availableProcessors() + " cores, service on Java "
                        + serviceJavaVersion() + ", " + EVENT_LOOPS + " gRPC event loops (quarkus.grpc.server.instances), JVM options: "
                        + (System.getProperty("bench.jvm-options", "").trim() + " "
                                + (aotCache.isEmpty() ? "" : "-XX:AOTCache (trained on the warm-up)")).trim().replaceAll("^$", "(none)"));
                System.out.printf("  calls per second          %,.0f%n", callsPerSecond);
                System.out.printf("  latency p50 / p99 / p99.9 %.2f / %.2f / %.2f ms%n", percentile(latencies, 50),
                        percentile(latencies, 99), percentile(latencies, 99.9));
                if (redisPerSecond != null) {
                    System.out.printf("  redis-benchmark INCR -c %d %,.0f requests per second%n", inFlight, redisPerSecond);
                    System.out.printf("  ratio service / Redis     %.2f%n", callsPerSecond / redisPerSecond);
                } else {
                    System.out.println("  redis-benchmark           not found on the PATH (Debian: apt-get install redis-tools): no ratio");
                }
                System.out.printf("  CPU per 1,000 calls       %.3f s (service process, user + system)%n",
                        cpu / 100.0 / (calls / 1000.0));
                if (!h2load) {
                    System.out.printf("  load generator CPU        %.3f s per 1,000 calls (this JVM, on the same cores)%n",
                            ownCpu / 100.0 / (calls / 1000.0));
                }
                System.out.printf("  I/O system calls per call %.2f reads, %.2f writes (service process, /proc/PID/io)%n",
                        (ioAfter[0] - ioBefore[0]) / (double) calls, (ioAfter[1] - ioBefore[1]) / (double) calls);
                System.out.printf("  peak RSS                  %d MiB%n", peakRss / 1024);
                System.out.printf("  start to first answer     %d ms%n", TimeUnit.NANOSECONDS.toMillis(firstAnswer));
                System.out.printf("  checked                   %d of %d calls OK (the service's signer_credentials_total); Redis "
                        + "counters moved by %d; %d warm-up calls had valid signatures%n", ok, calls, moved, warmup);
                if (h2load) {
                    callCosts(port, managementPort, service.pid(), channel, calls, redis);
                }
            } finally {
                for (ManagedChannel more : loadChannels) {
                    more.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                if (channel != null) {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                if (service != null) {
                    service.destroy();
                    service.waitFor(20, TimeUnit.SECONDS);
                }
            }
        }
    }

    /**
     * The cost of a call for each RPC (-Dbench.rpcs) and connection shape (-Dbench.shapes,
     * connections x streams), each warmed up until it settles; see {@link CallCost}.
     */
    private static void callCosts(int port, int managementPort, long servicePid, ManagedChannel channel, int calls,
            RedisProcess redisForPeer) throws IOException, InterruptedException {
        io.registrationsigner.api.v1.SignRegistrationResponse credential = RegistrationSignerGrpc.newBlockingStub(channel)
                .withInterceptors(TestCaller.BACKEND.credentials()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .signRegistration(io.registrationsigner.api.v1.SignRegistrationRequest.newBuilder()
                        .setApplicationKey(TestApplication.VECTOR.key()).setUserId(H2LOAD_USER).build());
        List<String> names = Arrays.asList(System.getProperty("bench.rpcs",
                "SignRegistration,IssueRegistrationToken,VerifyRegistration").split(","));
        List<CallCost.Shape> shapes = Arrays.stream(System.getProperty("bench.shapes", "1x128,16x8").split(","))
                .map(CallCost.Shape::parse).toList();
        CallCost cost = new CallCost(DIR, port, servicePid, Integer.getInteger("bench.round", 50_000),
                Integer.getInteger("bench.max-rounds", 20));
        List<CallCost.Measurement> measurements = new ArrayList<>();
        List<CallCost.Measurement> onVertxServer = new ArrayList<>();
        try (OtherServer other = OtherServer.start(redisForPeer, cost)) {
            for (CallCost.Rpc rpc : CallCost.rpcs(H2LOAD_USER, credential.getSequence(), credential.getSignature())) {
                if (names.contains(rpc.name())) {
                    for (CallCost.Shape shape : shapes) {
                        // Cell by cell, one server after the other, so that both see the same hour of this machine.
                        measurements.add(cost.measure(rpc, shape, calls, new CallCost.Metrics(managementPort)));
                        if (other != null) {
                            onVertxServer.add(other.cost().measure(rpc, shape, calls, new CallCost.Metrics(other.managementPort())));
                        }
                    }
                }
            }
        }
        CallCost.print("Cost of a call (service CPU per call from /proc; closed loop, so latency is the calls in flight"
                + " over the throughput):", measurements);
        if (!onVertxServer.isEmpty()) {
            CallCost.print("The same calls on quarkus-grpc's other server, the Vert.x HTTP server"
                    + " (quarkus.grpc.server.use-separate-server=false), measured cell by cell in turn with the above:", onVertxServer);
            for (int i = 0; i < measurements.size(); i++) {
                CallCost.Measurement grpcJava = measurements.get(i);
                CallCost.Measurement vertx = onVertxServer.get(i);
                System.out.printf("  (grpc-java server / Vert.x server, %s at %s: %.2f x the calls per second, %.2f x the CPU per call)%n",
                        vertx.rpc().name(), vertx.shape(), grpcJava.callsPerSecond() / vertx.callsPerSecond(),
                        grpcJava.cpuMicrosPerCall() / vertx.cpuMicrosPerCall());
            }
        }
        System.out.println();
        List<PeerServer> peers = PeerServer.start(DIR, redisForPeer);
        try {
            CallCost.Rpc sign = CallCost.rpcs(H2LOAD_USER, credential.getSequence(), credential.getSignature()).get(0);
            for (PeerServer peer : peers) {
                peerCosts(peer, cost, calls, measurements);
            }
            openLoop(sign, cost, new CallCost.Metrics(managementPort), peers.stream().filter(peer -> peer.name().equals("Go")).toList());
        } finally {
            for (PeerServer peer : peers) {
                peer.close();
            }
        }
    }

    /** SignRegistration on a peer, in the shapes the service was measured in, beside the service's figures. */
    private static void peerCosts(PeerServer peer, CallCost cost, int calls, List<CallCost.Measurement> service)
            throws IOException, InterruptedException {
        CallCost peerCost = cost.of(peer.port(), peer.pid());
        List<CallCost.Measurement> measurements = new ArrayList<>();
        List<String> ratios = new ArrayList<>();
        for (CallCost.Measurement ofService : service) {
            if (ofService.rpc().name().equals("SignRegistration")) {
                CallCost.Measurement ofPeer = peerCost.measure(peer.sign(), ofService.shape(), calls, peer::okCount);
                measurements.add(ofPeer);
                ratios.add(String.format("  (service / %s peer at %s: %.2f x the calls per second, %.2f x the CPU per call)",
                        peer.name(), ofService.shape(), ofService.callsPerSecond() / ofPeer.callsPerSecond(),
                        ofService.cpuMicrosPerCall() / ofPeer.cpuMicrosPerCall()));
            }
        }
        CallCost.print("Peer: the same SignRegistration in " + peer.description() + ", same load, same Redis; CPU per call of"
                + " its process:", measurements);
        ratios.forEach(System.out::println);
    }

    /**
     * Open-loop latency at each rate (-Dbench.rates), in rounds (-Dbench.rate-rounds) that
     * alternate between the service and the peers given, so that all see the same hours of this
     * machine; one round's p99.9 is set by a handful of calls.
     */
    private static void openLoop(CallCost.Rpc sign, CallCost cost, CallCost.Metrics metrics, List<PeerServer> peers)
            throws IOException, InterruptedException {
        int seconds = Integer.getInteger("bench.rate-seconds", 20);
        int rounds = Integer.getInteger("bench.rate-rounds", 3);
        int warmupCalls = Integer.getInteger("bench.rate-warmup-calls", 60_000);
        List<CallCost.OpenLoop> results = new ArrayList<>();
        try (Stalls stalls = Stalls.start()) {
            for (String rate : System.getProperty("bench.rates", "1000,5000,10000").split(",")) {
                if (!rate.isBlank()) {
                    results.addAll(openLoopAt(Integer.parseInt(rate.trim()), seconds, rounds, warmupCalls, sign, cost, metrics,
                            peers, stalls));
                }
            }
        }
        CallCost.printOpenLoop("Open loop (h2load --rps over 16 connections: calls leave on schedule, whatever the answers do; "
                + rounds + " rounds of " + seconds + " s per server and rate, alternating"
                + (peers.isEmpty() ? "" : " with the " + peers.stream().map(PeerServer::name).toList() + " peer")
                + (warmupCalls > 0 ? ", after " + String.format("%,d", warmupCalls) + " warm-up calls at the rate to each server" : "")
                + "; the first second of each round, on new connections, not counted; the machine's stalls as a thread"
                + " that sleeps 1 ms at a time sees them, jHiccup's way):", results);
    }

    private static List<CallCost.OpenLoop> openLoopAt(int rate, int seconds, int rounds, int warmupCalls, CallCost.Rpc sign,
            CallCost cost, CallCost.Metrics metrics, List<PeerServer> peers, Stalls stalls) throws IOException, InterruptedException {
        List<CallCost.OpenLoopRound> ofService = new ArrayList<>();
        List<CallCost> peerCosts = peers.stream().map(peer -> cost.of(peer.port(), peer.pid())).toList();
        CallCost.OkCount serviceOk = () -> sign.okCount().applyAsLong(metrics.scrape());
        // The JIT compiles for the load it has seen: after the closed loop's full batches, a steady
        // rate takes other paths (a batch of one command, event loops that wait between calls), and
        // the service's compiler threads were still recompiling and deoptimizing through its first
        // minute at 1,000 calls/s, its slowest bursts with them. Every server gets the same warm-up.
        if (warmupCalls > 0) {
            // openLoop sends one second more than it is given.
            int warmupSeconds = Math.max(1, warmupCalls / rate - 1);
            cost.openLoop(sign, rate, warmupSeconds, serviceOk, stalls);
            for (int i = 0; i < peers.size(); i++) {
                peerCosts.get(i).openLoop(peers.get(i).sign(), rate, warmupSeconds, peers.get(i)::okCount, stalls);
            }
        }
        List<List<CallCost.OpenLoopRound>> ofPeers = new ArrayList<>();
        peers.forEach(peer -> ofPeers.add(new ArrayList<>()));
        for (int round = 0; round < rounds; round++) {
            ofService.add(cost.openLoop(sign, rate, seconds, serviceOk, stalls));
            for (int i = 0; i < peers.size(); i++) {
                PeerServer peer = peers.get(i);
                ofPeers.get(i).add(peerCosts.get(i).openLoop(peer.sign(), rate, seconds, peer::okCount, stalls));
            }
        }
        List<CallCost.OpenLoop> results = new ArrayList<>(List.of(CallCost.OpenLoop.of("service", sign, rate, ofService)));
        for (int i = 0; i < peers.size(); i++) {
            results.add(CallCost.OpenLoop.of(peers.get(i).name() + " peer", sign, rate, ofPeers.get(i)));
        }
        return results;
    }

    /**
     * The service once more, on the Vert.x HTTP server, for the comparison of quarkus-grpc's two
     * servers (-Dbench.vertx-server=false leaves it out). It warms up in CallCost's rounds.
     */
    private record OtherServer(Process process, ManagedChannel channel, int managementPort, CallCost cost) implements AutoCloseable {

        static OtherServer start(RedisProcess redis, CallCost cost) throws IOException, InterruptedException {
            if (!Boolean.parseBoolean(System.getProperty("bench.vertx-server", "true"))) {
                return null;
            }
            int port = freePort();
            int managementPort = freePort();
            Process process = startService(port, managementPort, redis, List.of(), true);
            ManagedChannel channel = ServiceBenchmark.channel(port);
            firstAnsweredCall(channel, stub(channel), process, System.nanoTime());
            return new OtherServer(process, channel, managementPort, cost.of(port, process.pid()));
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            process.destroy();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static final String H2LOAD_USER = "h2load-user";

    /** h2load (Debian's nghttp2-client) when on the PATH, unless -Dbench.generator=java: a load that costs little CPU. */
    private static boolean useH2load() {
        String generator = System.getProperty("bench.generator", "");
        if (generator.equals("java")) {
            return false;
        }
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "h2load")));
        if (!found && generator.equals("h2load")) {
            throw new IllegalStateException("h2load is not on the PATH (Debian: apt-get install nghttp2-client)");
        }
        return found;
    }

    /** One prepared gRPC frame sent {@code calls} times, {@code inFlight} streams over the connections; latencies in ns. */
    private static long[] h2load(int port, int calls, int inFlight, int connections) throws IOException, InterruptedException {
        byte[] message = io.registrationsigner.api.v1.SignRegistrationRequest.newBuilder()
                .setApplicationKey(TestApplication.VECTOR.key()).setUserId(H2LOAD_USER).build().toByteArray();
        java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message);
        Path frameFile = Files.write(DIR.resolve("sign-registration.grpc"), frame.array());
        Path log = DIR.resolve("h2load.log");
        // h2load appends to its log: without this, every earlier run's latencies counted too.
        Files.deleteIfExists(log);
        Process h2load = new ProcessBuilder("h2load", "-n", Integer.toString(calls), "-c", Integer.toString(connections),
                "-m", Integer.toString(inFlight / connections),
                "-d", frameFile.toString(), "-H", "content-type: application/grpc", "-H", "te: trailers",
                "-H", "authorization: Bearer " + TestCaller.BACKEND.token(), "--log-file", log.toString(),
                "http://127.0.0.1:" + port + "/signer.v1.RegistrationSigner/SignRegistration")
                .redirectErrorStream(true).start();
        String output = new String(h2load.getInputStream().readAllBytes());
        if (h2load.waitFor() != 0 || !output.contains(calls + " succeeded, 0 failed, 0 errored")) {
            throw new AssertionError("h2load: " + output);
        }
        return Files.readAllLines(log).stream().mapToLong(line -> Long.parseLong(line.split("\t")[2]) * 1000).toArray();
    }

    /**
     * The service's count of SignRegistration calls answered OK, from /q/metrics. The management
     * interface opens when start-up ends, which can be a minute after the gRPC port serves: with
     * several gRPC event loops, Quarkus 3.33 sometimes waits that long for a server instance that
     * failed to register its port (quarkusio/quarkus#54810).
     */
    private static long okCalls(int managementPort) throws IOException, InterruptedException {
        java.net.http.HttpRequest request = java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://127.0.0.1:" + managementPort + "/q/metrics"))
                .header("Accept", "text/plain").build();
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        long start = System.nanoTime();
        java.net.http.HttpResponse<String> metrics = null;
        while (metrics == null) {
            try {
                metrics = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (java.net.ConnectException notYet) {
                if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(90)) {
                    throw notYet;
                }
                Thread.sleep(200);
            }
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (waited > 1000) {
            System.out.printf("(the service's management interface opened %d ms after it was first asked: its start-up had"
                    + " not ended, quarkusio/quarkus#54810)%n", waited);
        }
        return metrics.body().lines()
                .filter(line -> line.startsWith("signer_credentials_total{") && line.contains("outcome=\"ok\"")
                        && line.contains("scheme=\"legacy\""))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** A user's sequence counter in the benchmark's Redis: every OK SignRegistration adds one. */
    static long counter(RedisProcess redis, String userId) {
        String value = RedisProbe.get(redis.port(), "signer:seq:" + TestApplication.VECTOR.key() + ":" + userId);
        return value == null ? 0 : Long.parseLong(value);
    }

    private static String user(int i) {
        return "bench-user-" + (i % USERS);
    }

    /**
     * With -Dbench.aot-cache=true (the service's JDK 25 or later, an aot-jar build): a training run
     * that starts the service, answers the warm-up's calls and stops, leaving the JDK's AOT cache
     * of loaded and linked classes, profiles and compiled code; the measured run starts from it.
     * @return the measured run's JVM options
     */
    private static List<String> aotCache(RedisProcess redis, int calls, int inFlight) throws Exception {
        if (!Boolean.getBoolean("bench.aot-cache")) {
            return List.of();
        }
        Path cache = DIR.resolve("app.aot").toAbsolutePath();
        Files.deleteIfExists(cache);
        int port = freePort();
        Process training = startService(port, freePort(), redis, List.of("-XX:AOTCacheOutput=" + cache));
        ManagedChannel channel = channel(port);
        try {
            RegistrationSignerFutureStub stub = stub(channel);
            firstAnsweredCall(channel, stub, training, System.nanoTime());
            check(Load.run(calls, inFlight, i -> stub, ServiceBenchmark::user, Duration.ofSeconds(30)), calls, "AOT training");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        training.destroy();
        // The JVM writes the cache at exit, in a second JVM: tens of seconds on two cores.
        if (!training.waitFor(5, TimeUnit.MINUTES) || !Files.exists(cache)) {
            throw new IllegalStateException("the training run left no AOT cache; see " + DIR.resolve("service.log"));
        }
        System.out.printf("AOT cache %s: %d MiB%n", cache, Files.size(cache) >> 20);
        return List.of("-XX:AOTCache=" + cache);
    }

    /**
     * grpc-java's server on as many event loops as the machine has cores, as docs/deployment.md
     * advises for a pod given several (the shipped setting, 1, is for a pod of one core's worth).
     */
    static final int EVENT_LOOPS = Integer.getInteger("bench.event-loops", Runtime.getRuntime().availableProcessors());

    private static Process startService(int port, int managementPort, RedisProcess redis, List<String> moreJvmOptions)
            throws IOException {
        return startService(port, managementPort, redis, moreJvmOptions, false);
    }

    /**
     * @param vertxServer gRPC on port served by the Vert.x HTTP server
     *        (quarkus.grpc.server.use-separate-server=false) instead of grpc-java's own Netty server
     */
    private static Process startService(int port, int managementPort, RedisProcess redis, List<String> moreJvmOptions,
            boolean vertxServer) throws IOException {
        Properties config = new Properties();
        TestApplication.VECTOR.putInto(config);
        TestCaller.BACKEND.putInto(config);
        // Plain INCR, as the figures in docs/performance.md were measured, and so that the Redis
        // counters move by exactly the number of calls (the clock floor raises them to the clock).
        config.put("signer.sequence.floor", "none");
        Path file = DIR.resolve("service.properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            config.store(out, "benchmark");
        }
        List<String> command = new ArrayList<>(List.of(serviceJavaHome().resolve("bin").resolve("java").toString(),
                "-Dquarkus.grpc.server.port=" + port, "-Dquarkus.management.port=" + managementPort,
                "-Dquarkus.redis.hosts=" + redis.uri(), "-Dquarkus.shutdown.delay=0s",
                "-Dquarkus.config.locations=" + file.toAbsolutePath().toUri()));
        String jvmOptions = System.getProperty("bench.jvm-options", "");
        if (!jvmOptions.isBlank()) {
            command.addAll(1, Arrays.asList(jvmOptions.trim().split("\\s+")));
        }
        command.addAll(1, moreJvmOptions);
        if (vertxServer) {
            command.addAll(List.of("-Dquarkus.grpc.server.use-separate-server=false", "-Dquarkus.http.host-enabled=true",
                    "-Dquarkus.http.port=" + port));
        } else {
            command.add("-Dquarkus.grpc.server.instances=" + EVENT_LOOPS);
        }
        // -Dbench.app-dir: another build of the service, for a before/after comparison.
        command.addAll(List.of("-jar", Path.of(System.getProperty("bench.app-dir", "target/quarkus-app"), "quarkus-run.jar").toString()));
        // The console on a pipe drained into the log, as a container runtime has it: a write to a
        // pipe costs more than one to a file.
        Process service = new ProcessBuilder(command).redirectErrorStream(true).start();
        Path log = DIR.resolve(vertxServer ? "service-vertx-server.log" : "service.log");
        Thread drain = new Thread(() -> {
            try (var in = service.getInputStream(); var out = Files.newOutputStream(log)) {
                in.transferTo(out);
            } catch (IOException e) {
                // The service has ended.
            }
        }, "service-console");
        drain.setDaemon(true);
        drain.start();
        return service;
    }

    /** Calls until one succeeds: the time from starting the process to an answered call. */
    private static long firstAnsweredCall(ManagedChannel channel, RegistrationSignerFutureStub stub, Process service,
            long processStart) throws InterruptedException {
        long giveUp = processStart + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < giveUp) {
            if (!service.isAlive()) {
                throw new IllegalStateException("the service exited; see " + DIR.resolve("service.log"));
            }
            // Without this, grpc-java waits out its reconnect backoff (1 s, then 1.6 s...) after a refused connection.
            channel.resetConnectBackoff();
            Result result = Load.sign(stub, "first-call", Duration.ofMillis(500)).join();
            if (result.ok()) {
                return result.endNanos() - processStart;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("no answer within 60 s; see " + DIR.resolve("service.log"));
    }

    private static void check(List<Result> results, int calls, String what) {
        Map<Status.Code, Integer> codes = Load.codes(results);
        if (results.size() != calls || !codes.equals(Map.of(Status.Code.OK, calls)) || Load.duplicates(results) != 0) {
            throw new AssertionError(what + ": " + codes + ", " + Load.duplicates(results) + " duplicates; failures: "
                    + results.stream().filter(r -> r.code() != Status.Code.OK).map(Result::description).distinct().limit(5).toList());
        }
    }

    private static long counters(RedisProcess redis) {
        long sum = 0;
        for (int i = 0; i < USERS; i++) {
            String value = RedisProbe.get(redis.port(), "signer:seq:" + TestApplication.VECTOR.key() + ":" + user(i));
            sum += value == null ? 0 : Long.parseLong(value);
        }
        return sum;
    }

    /** redis-benchmark -t incr -c 128 against the same Redis, or null when it is not installed. */
    private static Double redisBenchmark(int port, int requests) throws IOException, InterruptedException {
        List<String> command = List.of("redis-benchmark", "-h", "127.0.0.1", "-p", Integer.toString(port), "-t", "incr",
                "-c", Integer.getInteger("bench.in-flight", 128).toString(), "-n", Integer.toString(requests), "-q");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            return null;
        }
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        Matcher rate = Pattern.compile("INCR: ([0-9.]+) requests per second").matcher(output);
        if (!rate.find()) {
            throw new IllegalStateException("unexpected redis-benchmark output: " + output);
        }
        return Double.parseDouble(rate.group(1));
    }

    private static double percentile(long[] sorted, double percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    /** utime + stime of a process, in clock ticks (1/100 s on Linux). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /**
     * The read-like and write-like system calls of a process (syscr, syscw): unlike CPU time, a
     * count that the machine's other load does not change.
     */
    private static long[] ioSystemCalls(long pid) throws IOException {
        long[] counts = new long[2];
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
            if (line.startsWith("syscr:")) {
                counts[0] = Long.parseLong(line.substring(6).trim());
            } else if (line.startsWith("syscw:")) {
                counts[1] = Long.parseLong(line.substring(6).trim());
            }
        }
        return counts;
    }

    /** -Dbench.java-home: the service on another JDK than the benchmark's. */
    private static Path serviceJavaHome() {
        String javaHome = System.getProperty("bench.java-home", "");
        return Path.of(javaHome.isBlank() ? System.getProperty("java.home") : javaHome);
    }

    private static String serviceJavaVersion() throws IOException {
        Matcher version = Pattern.compile("JAVA_VERSION=\"([^\"]+)\"").matcher(Files.readString(serviceJavaHome().resolve("release")));
        return version.find() ? version.group(1) : serviceJavaHome().toString();
    }

    /** Callbacks on the transport's own thread: the load generator shares the machine's cores. */
    private static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build();
    }

    private static RegistrationSignerFutureStub stub(ManagedChannel channel) {
        return RegistrationSignerGrpc.newFutureStub(channel).withInterceptors(TestCaller.BACKEND.credentials());
    }

    private static long peakRssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/" + pid + "/status");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
