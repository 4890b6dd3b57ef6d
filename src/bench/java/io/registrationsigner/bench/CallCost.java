package io.registrationsigner.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToLongFunction;

import com.google.protobuf.MessageLite;

import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.LegacyCredential;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * What a call costs, for each of the three RPCs and each connection shape: the service's CPU
 * per call (user + system, from /proc/PID/stat), beside calls per second and closed-loop
 * latency. Each measurement first warms up in rounds until two rounds in a row agree within 5 %
 * on both throughput and CPU per call and the JVM's JIT compiler threads took under 5 % of the
 * second round's CPU (the JIT is done), and says how long that took. The load
 * comes from h2load with one prepared gRPC frame per RPC; whether each call succeeded comes from
 * the service's own counters, since h2load sees HTTP 200 even for a gRPC error.
 */
final class CallCost {

    /** An RPC, its prepared request, and the service's count of its calls answered as they should be. */
    record Rpc(String name, MessageLite request, ToLongFunction<String> okCount) {
    }

    /** Connections × streams per connection. */
    record Shape(int connections, int streams) {
        static Shape parse(String text) {
            String[] parts = text.trim().split("x");
            return new Shape(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        }

        @Override
        public String toString() {
            return connections + "x" + streams;
        }
    }

    record Measurement(Rpc rpc, Shape shape, long warmupCalls, double warmupSeconds, int rounds, double callsPerSecond,
            double cpuMicrosPerCall, double p50, double p99, double p999) {
    }

    private static final double SETTLED = 0.05;
    /** The most of a round's CPU that the JIT compiler threads may take for the round to count as settled. */
    private static final double JIT_QUIET = 0.05;

    private final Path dir;
    private final int port;
    private final long servicePid;
    private final int round;
    private final int maxRounds;

    CallCost(Path dir, int port, long servicePid, int round, int maxRounds) {
        this.dir = dir;
        this.port = port;
        this.servicePid = servicePid;
        this.round = round;
        this.maxRounds = maxRounds;
    }

    /** The same measurement of another server process. */
    CallCost of(int otherPort, long otherPid) {
        return new CallCost(dir, otherPort, otherPid, round, maxRounds);
    }

    static List<Rpc> rpcs(String userId, long sequence, String signature) {
        String key = TestApplication.VECTOR.key();
        return List.of(
                new Rpc("SignRegistration", SignRegistrationRequest.newBuilder().setApplicationKey(key).setUserId(userId).build(),
                        metrics -> Metrics.sum(metrics, "signer_credentials_total{", "scheme=\"legacy\"", "outcome=\"ok\"")),
                new Rpc("IssueRegistrationToken", IssueRegistrationTokenRequest.newBuilder().setApplicationKey(key)
                        .setUserId(userId).build(),
                        metrics -> Metrics.sum(metrics, "signer_credentials_total{", "scheme=\"jwt\"", "outcome=\"ok\"")),
                new Rpc("VerifyRegistration", VerifyRegistrationRequest.newBuilder().setApplicationKey(key).setUserId(userId)
                        .setLegacy(LegacyCredential.newBuilder().setSequence(sequence).setSignature(signature)).build(),
                        metrics -> Metrics.sum(metrics, "signer_verifications_total{", "scheme=\"legacy\"", "outcome=\"valid\"")));
    }

    /** How many calls the server has answered as they should be, so far. */
    @FunctionalInterface
    interface OkCount {
        long read() throws IOException, InterruptedException;
    }

    Measurement measure(Rpc rpc, Shape shape, int calls, Metrics metrics) throws IOException, InterruptedException {
        return measure(rpc, shape, calls, () -> rpc.okCount().applyAsLong(metrics.scrape()));
    }

    Measurement measure(Rpc rpc, Shape shape, int calls, OkCount metrics) throws IOException, InterruptedException {
        long warmupStart = System.nanoTime();
        long warmupCalls = 0;
        Run previous = null;
        int rounds = 0;
        while (rounds < maxRounds) {
            Run now = run(rpc, shape, round, metrics);
            warmupCalls += round;
            rounds++;
            // The compiler threads' CPU is part of the process's: a round can agree with the one
            // before while the JIT still recompiles, and then a later round costs less.
            if (previous != null && close(previous.callsPerSecond(), now.callsPerSecond())
                    && close(previous.cpuMicrosPerCall(), now.cpuMicrosPerCall()) && now.compilerShare() < JIT_QUIET) {
                break;
            }
            previous = now;
        }
        double warmupSeconds = (System.nanoTime() - warmupStart) / 1e9;
        Run measured = run(rpc, shape, calls, metrics);
        long[] latencies = measured.latencies();
        Arrays.sort(latencies);
        return new Measurement(rpc, shape, warmupCalls, warmupSeconds, rounds, measured.callsPerSecond(),
                measured.cpuMicrosPerCall(), percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 99.9));
    }

    /** @param compilerShare the JIT compiler threads' part of the process's CPU during the run */
    private record Run(double callsPerSecond, double cpuMicrosPerCall, double compilerShare, long[] latencies) {
    }

    private Run run(Rpc rpc, Shape shape, int calls, OkCount metrics) throws IOException, InterruptedException {
        long okBefore = metrics.read();
        long cpuBefore = Proc.cpuTicks(servicePid);
        long compilerBefore = Proc.compilerTicks(servicePid);
        long start = System.nanoTime();
        long[] latencies = h2load(rpc, shape, calls).nanos();
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpuTicks = Proc.cpuTicks(servicePid) - cpuBefore;
        long compilerTicks = Proc.compilerTicks(servicePid) - compilerBefore;
        long ok = metrics.read() - okBefore;
        if (ok != calls) {
            throw new AssertionError(rpc.name() + " " + shape + ": the service answered " + ok + " of " + calls
                    + " calls as expected");
        }
        // A compiler thread that retired during the run took its ticks with it: the JIT was busy.
        double compilerShare = compilerTicks < 0 ? 1 : (double) compilerTicks / Math.max(1, cpuTicks);
        // A clock tick is 10 ms of CPU.
        return new Run(calls / seconds, cpuTicks * 10_000.0 / calls, compilerShare, latencies);
    }

    /** One open-loop round: the rate achieved, the latencies of the calls counted (ns), the machine's longest stall (ms). */
    record OpenLoopRound(double achieved, long[] latencies, double longestStall) {
    }

    /**
     * Open loop: calls sent at a fixed rate (h2load --rps, 16 connections), whatever the answers
     * do, for one second more than {@code seconds}. The calls of that first second, on connections
     * just opened, are not counted: a gateway keeps its connections. The latencies are then the
     * server's, not the calls in flight.
     */
    OpenLoopRound openLoop(Rpc rpc, int callsPerSecond, int seconds, OkCount okCount, Stalls stalls)
            throws IOException, InterruptedException {
        int connections = 16;
        int calls = callsPerSecond * (seconds + 1);
        long okBefore = okCount.read();
        long start = System.nanoTime();
        stalls.takeLongestMillis();
        Calls sent = h2load(rpc, new Shape(connections, 256), calls, "--rps=" + (callsPerSecond / connections));
        double longestStall = stalls.takeLongestMillis();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long ok = okCount.read() - okBefore;
        if (ok != calls) {
            throw new AssertionError(rpc.name() + " at " + callsPerSecond + "/s: " + ok + " of " + calls + " answered as expected");
        }
        long firstCounted = Arrays.stream(sent.startMicros()).min().orElse(0) + 1_000_000;
        long[] counted = new long[calls];
        int n = 0;
        for (int i = 0; i < calls; i++) {
            if (sent.startMicros()[i] >= firstCounted) {
                counted[n++] = sent.nanos()[i];
            }
        }
        return new OpenLoopRound(calls / elapsed, Arrays.copyOf(counted, n), longestStall);
    }

    /** The rounds of one server at one rate, their latencies pooled; p99.9 also round by round. */
    record OpenLoop(String server, Rpc rpc, int offered, double achieved, double p50, double p99, double p999, double max,
            List<Double> p999ByRound, List<Double> stallByRound) {

        static OpenLoop of(String server, Rpc rpc, int offered, List<OpenLoopRound> rounds) {
            long[] pooled = rounds.stream().flatMapToLong(round -> Arrays.stream(round.latencies())).sorted().toArray();
            List<Double> byRound = new ArrayList<>();
            for (OpenLoopRound round : rounds) {
                long[] sorted = round.latencies().clone();
                Arrays.sort(sorted);
                byRound.add(percentile(sorted, 99.9));
            }
            return new OpenLoop(server, rpc, offered, rounds.stream().mapToDouble(OpenLoopRound::achieved).average().orElse(0),
                    percentile(pooled, 50), percentile(pooled, 99), percentile(pooled, 99.9), pooled[pooled.length - 1] / 1e6,
                    byRound, rounds.stream().map(OpenLoopRound::longestStall).toList());
        }
    }

    static void printOpenLoop(String title, List<OpenLoop> runs) {
        System.out.println();
        System.out.println(title);
        System.out.printf("  %-12s %-18s %10s %10s %8s %8s %8s %8s   %-24s %s%n", "server", "RPC", "offered/s", "achieved/s",
                "p50 ms", "p99 ms", "p99.9 ms", "max ms", "p99.9 ms by round", "machine's longest stall by round, ms");
        for (OpenLoop run : runs) {
            System.out.printf("  %-12s %-18s %,10d %,10.0f %8.2f %8.2f %8.2f %8.2f   %-24s %s%n", run.server(), run.rpc().name(),
                    run.offered(), run.achieved(), run.p50(), run.p99(), run.p999(), run.max(), joined(run.p999ByRound()),
                    joined(run.stallByRound()));
        }
    }

    private static String joined(List<Double> values) {
        return String.join(" / ", values.stream().map(value -> String.format("%.1f", value)).toList());
    }

    /** What h2load sent: each call's start (µs since the epoch, from h2load's log) and latency (ns). */
    private record Calls(long[] startMicros, long[] nanos) {
    }

    private Calls h2load(Rpc rpc, Shape shape, int calls, String... options) throws IOException, InterruptedException {
        byte[] message = rpc.request().toByteArray();
        ByteBuffer frame = ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message);
        Path frameFile = Files.write(dir.resolve(rpc.name() + ".grpc"), frame.array());
        Path log = dir.resolve("h2load-" + rpc.name() + ".log");
        // h2load appends to its log: without this, every earlier run's latencies counted too.
        Files.deleteIfExists(log);
        List<String> command = new ArrayList<>(List.of("h2load", "-n", Integer.toString(calls),
                "-c", Integer.toString(shape.connections()), "-m", Integer.toString(shape.streams()),
                "-d", frameFile.toString(), "-H", "content-type: application/grpc", "-H", "te: trailers",
                "-H", "authorization: Bearer " + TestCaller.BACKEND.token(), "--log-file", log.toString()));
        command.addAll(List.of(options));
        command.add("http://127.0.0.1:" + port + "/signer.v1.RegistrationSigner/" + rpc.name());
        Process h2load = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(h2load.getInputStream().readAllBytes());
        if (h2load.waitFor() != 0 || !output.contains(calls + " succeeded, 0 failed, 0 errored")) {
            throw new AssertionError("h2load: " + output);
        }
        // h2load's log: start time (µs since the epoch), HTTP status, latency (µs).
        List<String[]> lines = Files.readAllLines(log).stream().map(line -> line.split("\t")).toList();
        return new Calls(lines.stream().mapToLong(fields -> Long.parseLong(fields[0])).toArray(),
                lines.stream().mapToLong(fields -> Long.parseLong(fields[2]) * 1000).toArray());
    }

    static void print(String title, List<Measurement> measurements) {
        System.out.println();
        System.out.println(title);
        System.out.printf("  %-24s %-6s %12s %12s %9s %9s %9s   %s%n", "RPC", "shape", "calls/s", "CPU us/call",
                "p50 ms", "p99 ms", "p99.9 ms", "warm-up until settled");
        for (Measurement m : measurements) {
            System.out.printf("  %-24s %-6s %,12.0f %12.1f %9.2f %9.2f %9.2f   %,d calls in %d rounds, %.0f s%n",
                    m.rpc().name(), m.shape(), m.callsPerSecond(), m.cpuMicrosPerCall(), m.p50(), m.p99(), m.p999(),
                    m.warmupCalls(), m.rounds(), m.warmupSeconds());
        }
    }

    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= SETTLED * Math.max(a, b);
    }

    private static double percentile(long[] sorted, double percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    /** The service's /q/metrics. */
    record Metrics(int managementPort) {
        String scrape() throws IOException, InterruptedException {
            java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + managementPort + "/q/metrics"))
                            .header("Accept", "text/plain").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return metrics.body();
        }

        static long sum(String metrics, String prefix, String... labels) {
            return metrics.lines()
                    .filter(line -> line.startsWith(prefix) && Arrays.stream(labels).allMatch(line::contains))
                    .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
        }
    }

    /** /proc readings of a process. */
    static final class Proc {
        private Proc() {
        }

        /** utime + stime, in clock ticks (1/100 s on Linux). */
        static long cpuTicks(long pid) throws IOException {
            return cpuTicks(Path.of("/proc", Long.toString(pid), "stat"));
        }

        private static long cpuTicks(Path statFile) throws IOException {
            String stat = Files.readString(statFile);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }

        /**
         * utime + stime of HotSpot's JIT compiler threads ("C1 CompilerThread0"..., "C2 ...", their
         * names cut to 15 characters by the kernel); 0 for a process that has none, such as the peers.
         */
        static long compilerTicks(long pid) throws IOException {
            long ticks = 0;
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks) {
                    try {
                        String name = Files.readString(task.resolve("comm")).strip();
                        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                            ticks += cpuTicks(task.resolve("stat"));
                        }
                    } catch (NoSuchFileException threadEnded) {
                        // HotSpot adds and retires compiler threads as its queue grows and shrinks.
                    }
                }
            }
            return ticks;
        }
    }
}
