package io.registrationsigner.packaged;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.RegistrationSignerGrpc.RegistrationSignerFutureStub;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.Load;
import io.registrationsigner.testing.Load.Result;
import io.registrationsigner.testing.RedisProbe;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;

/**
 * The packaged service on the Redis set-ups production teams run, real redis-server processes
 * that this test starts: a Cluster of three masters, and a master with a replica and a sentinel,
 * whose master it kills under a steady stream of calls. Both with the epoch-millis floor.
 */
class RedisTopologiesIT {

    private static final Path DIR = Path.of("target", "test-resources", "topologies-" + UUID.randomUUID());

    @Test
    void aClusterOfThreeMastersSpreadsUsersAndEveryUsersSequencesStrictlyIncrease() throws Exception {
        List<RedisProcess> masters = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                masters.add(RedisProcess.server(DIR.resolve("cluster-" + i), "--cluster-enabled", "yes",
                        "--cluster-node-timeout", "2000"));
            }
            formCluster(masters);
            Map<String, String> config = new HashMap<>(floor());
            config.put("quarkus.redis.client-type", "cluster");
            config.put("quarkus.redis.hosts", String.join(",", masters.stream().map(RedisProcess::uri).toList()));
            try (ServiceProcess service = ServiceProcess.startWithVector("cluster-service", config)) {
                ManagedChannel channel = GrpcChannels.open(service.url());
                try {
                    RegistrationSignerFutureStub stub = RegistrationSignerGrpc.newFutureStub(channel);
                    int users = 300;
                    int rounds = 5;
                    Map<String, List<Long>> sequences = new HashMap<>();
                    for (int round = 0; round < rounds; round++) {
                        // All users at once, one call each, then the next round: every call must answer.
                        List<Result> results = Load.run(users, 128, i -> stub, i -> "cluster-user-" + i, Duration.ofSeconds(10));
                        assertEquals(Map.of(Status.Code.OK, users), Load.codes(results), results.toString());
                        results.forEach(r -> sequences.computeIfAbsent(r.userId(), u -> new ArrayList<>()).add(r.sequence()));
                    }
                    sequences.forEach((user, values) -> {
                        for (int i = 1; i < values.size(); i++) {
                            assertTrue(values.get(i) > values.get(i - 1), user + ": " + values);
                        }
                    });
                    int keys = 0;
                    for (RedisProcess master : masters) {
                        int onThisMaster = Integer.parseInt(master.command("DBSIZE").substring(1));
                        assertTrue(onThisMaster > users / 6, "master " + master.port() + " holds " + onThisMaster + " users");
                        keys += onThisMaster;
                    }
                    assertEquals(users, keys);
                    System.out.printf("cluster: %d calls, %d users over 3 masters, 0 duplicate or backward sequences%n",
                            users * rounds, users);
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        } finally {
            masters.forEach(RedisProcess::close);
        }
    }

    @Test
    void afterASentinelFailoverCallsSucceedAgainAndEverySequenceIsHigherThanAnyBefore() throws Exception {
        try (RedisProcess master = RedisProcess.server(DIR.resolve("master"), "--appendonly", "yes");
                RedisProcess replica = RedisProcess.server(DIR.resolve("replica"), "--appendonly", "yes");
                RedisProcess sentinel = RedisProcess.sentinel(DIR.resolve("sentinel"), master.port())) {
            replica.command("REPLICAOF", "127.0.0.1", Integer.toString(master.port()));
            awaitUpTo20s("the replica to sync")
                    .until(() -> RedisProbe.bulk(replica.port(), "INFO", "replication").contains("master_link_status:up"));
            awaitUpTo20s("the sentinel to see the replica")
                    .until(() -> RedisProbe.bulk(sentinel.port(), "INFO", "sentinel").contains("slaves=1"));

            Map<String, String> config = new HashMap<>(floor());
            config.put("quarkus.redis.client-type", "sentinel");
            config.put("quarkus.redis.hosts", sentinel.uri());
            config.put("quarkus.redis.master-name", "mymaster");
            config.put("quarkus.redis.role", "master");
            config.put("quarkus.redis.auto-failover", "true");
            try (ServiceProcess service = ServiceProcess.startWithVector("sentinel-service", config)) {
                ManagedChannel channel = GrpcChannels.open(service.url());
                try {
                    RegistrationSignerFutureStub stub = RegistrationSignerGrpc.newFutureStub(channel);
                    List<Result> before = steadyStream(stub, 200, null);
                    long killedAt = System.nanoTime();
                    master.kill();
                    List<Result> after = steadyStream(stub, 200, killedAt);

                    List<Result> all = new ArrayList<>(before);
                    all.addAll(after);
                    assertEquals(0, Load.duplicates(all));
                    assertTrue(before.stream().allMatch(Result::ok), Load.codes(before).toString());
                    for (Result result : after) {
                        assertTrue(result.ok() || result.code() == Status.Code.UNAVAILABLE
                                || result.code() == Status.Code.DEADLINE_EXCEEDED, result.toString());
                    }
                    long highestBefore = before.stream().mapToLong(Result::sequence).max().orElseThrow();
                    List<Result> succeededAfter = after.stream().filter(Result::ok).toList();
                    assertTrue(succeededAfter.size() >= 200, Load.codes(after).toString());
                    succeededAfter.forEach(r -> assertTrue(r.sequence() > highestBefore, r + " <= " + highestBefore));
                    Result firstAgain = succeededAfter.get(0);
                    System.out.printf("sentinel: %d calls before the kill, %d after (%s); service answered again %d ms after "
                            + "the master died; 0 duplicate or backward sequences%n", before.size(), after.size(),
                            Load.codes(after), TimeUnit.NANOSECONDS.toMillis(firstAgain.endNanos() - killedAt));
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    /**
     * Calls for 5 users one after another, 1 s deadline each. Without a start time, until
     * {@code successes} calls succeeded; with one, until that many succeeded after a failure, at
     * most 30 s.
     */
    private static List<Result> steadyStream(RegistrationSignerFutureStub stub, int successes, Long killedAt)
            throws InterruptedException {
        List<Result> results = new ArrayList<>();
        int succeeded = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; succeeded < successes && System.nanoTime() < deadline; i++) {
            Result result = Load.sign(stub, "failover-user-" + (i % 5), Duration.ofSeconds(1)).join();
            results.add(result);
            if (result.ok()) {
                succeeded++;
            } else if (killedAt == null) {
                throw new AssertionError("a call failed before the failover: " + result);
            } else {
                Thread.sleep(50);
            }
        }
        return Collections.unmodifiableList(results);
    }

    private static Map<String, String> floor() {
        return Map.of("signer.sequence.floor", "epoch-millis");
    }

    /** Slots split in three, the nodes introduced to each other; waits until all say cluster_state:ok. */
    private static void formCluster(List<RedisProcess> masters) {
        int slots = 16384;
        for (int i = 0; i < masters.size(); i++) {
            int from = i * slots / masters.size();
            int to = (i + 1) * slots / masters.size();
            List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
            IntStream.range(from, to).forEach(slot -> command.add(Integer.toString(slot)));
            assertEquals("+OK", masters.get(i).command(command.toArray(String[]::new)));
        }
        for (RedisProcess other : masters.subList(1, masters.size())) {
            assertEquals("+OK", masters.get(0).command("CLUSTER", "MEET", "127.0.0.1", Integer.toString(other.port())));
        }
        for (RedisProcess master : masters) {
            awaitUpTo20s("the cluster to form")
                    .until(() -> RedisProbe.bulk(master.port(), "CLUSTER", "INFO").contains("cluster_state:ok"));
        }
    }

    private static ConditionFactory awaitUpTo20s(String what) {
        return await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50));
    }
}
