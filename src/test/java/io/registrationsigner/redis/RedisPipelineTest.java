package io.registrationsigner.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.registrationsigner.metrics.RedisMetrics;
import io.registrationsigner.testing.RedisProcess;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisOptions;

/** The pipeline against a real Redis of its own: batches, and failures that stay with their command. */
class RedisPipelineTest {

    private static RedisProcess redisServer;
    private static Vertx vertx;
    private static Redis redis;
    /** The test's own connection, for SET, GET and INFO beside the pipeline's. */
    private static RedisConnection admin;

    @BeforeAll
    static void start() throws Exception {
        redisServer = RedisProcess.server(Files.createDirectories(Path.of("target", "redis-pipeline-test")));
        vertx = Vertx.vertx();
        redis = Redis.createClient(io.vertx.mutiny.core.Vertx.newInstance(vertx), options());
        admin = redis.connect().await().atMost(Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        admin.closeAndAwait();
        redis.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
        redisServer.close();
    }

    @Test
    void theCommandsOfOneEventLoopPassLeaveInOneWritePerConnection() {
        MeterRegistry registry = new SimpleMeterRegistry();
        RedisPipeline pipeline = pipeline(registry);
        connectBoth(pipeline);
        long readsBefore = stat("total_reads_processed");
        DistributionSummary batches = registry.get("signer.redis.pipeline.batch").summary();
        long batchesBefore = batches.count();

        List<Long> sequences = sendInOnePass(pipeline, Collections.nCopies(400, incr("batched"))).stream()
                .map(answer -> answer.orTimeout(5, TimeUnit.SECONDS).join().toLong()).toList();

        long reads = stat("total_reads_processed") - readsBefore;
        assertEquals(LongStream.rangeClosed(1, 400).boxed().toList(), sequences.stream().sorted().toList());
        // 400 commands on 2 connections, and the 2 INFO commands of this test: one write per connection
        // arrives in a read or two, 400 writes in hundreds (measured: 310 to 337 without batches).
        assertTrue(reads <= 10, "Redis read the 400 commands in " + reads + " reads");
        // What signer_redis_pipeline_batch shows: two batches of 200, one per connection.
        assertEquals(2, batches.count() - batchesBefore);
        assertEquals(200, batches.max());
        Timer incrs = registry.get("signer.redis.command").tags("command", "INCR", "outcome", "ok").timer();
        assertEquals(402, incrs.count(), "the 400 and the 2 of connectBoth");
    }

    @Test
    void aCommandThatRedisRefusesFailsAloneAndTheRestOfItsBatchIsAnswered() {
        RedisPipeline pipeline = pipeline();
        admin(Request.cmd(Command.SET).arg("not-a-number").arg("abc"));
        connectBoth(pipeline);

        List<CompletableFuture<Response>> answers = sendInOnePass(pipeline,
                IntStream.range(0, 20).mapToObj(i -> incr(i == 10 ? "not-a-number" : "good-" + i)).toList());

        for (int i = 0; i < 20; i++) {
            CompletableFuture<Response> answer = answers.get(i);
            if (i == 10) {
                Throwable failure = assertFailed(answer);
                assertTrue(failure.getMessage().contains("not an integer"), failure.getMessage());
            } else {
                // The batch failed as a whole, so each command was sent again: a skipped value at most.
                long sequence = answer.orTimeout(5, TimeUnit.SECONDS).join().toLong();
                assertTrue(sequence == 1 || sequence == 2, "good-" + i + " got " + sequence);
                assertEquals(sequence, admin(Request.cmd(Command.GET).arg("good-" + i)).toLong());
            }
        }
        long after = onEventLoop(() -> pipeline.send(incr("good-0")).subscribeAsCompletionStage()).join().toLong();
        assertEquals(admin(Request.cmd(Command.GET).arg("good-0")).toLong(), after);
    }

    @Test
    void eachEventLoopWritesAndReadsItsOwnCommands() {
        RedisPipeline pipeline = pipeline();
        long connectedBefore = info("clients", "connected_clients");
        ContextInternal first = ((VertxInternal) vertx).createEventLoopContext();
        ContextInternal second = ((VertxInternal) vertx).createEventLoopContext();
        assertNotSame(first.nettyEventLoop(), second.nettyEventLoop());

        for (ContextInternal context : List.of(first, second, first)) {
            CompletableFuture<String> answeredHow = new CompletableFuture<>();
            context.runOnContext(ignored -> {
                Thread caller = Thread.currentThread();
                pipeline.send(incr("affinity")).subscribe().with(answer -> answeredHow.complete(
                        // Read from the connection in this thread, not handed over by another event loop's task.
                        Thread.currentThread() == caller && Arrays.stream(new Throwable().getStackTrace())
                                .anyMatch(frame -> frame.getClassName().endsWith("RedisStandaloneConnection"))
                                        ? "on its own event loop"
                                        : "on " + Thread.currentThread().getName() + ", sent from " + caller.getName()),
                        answeredHow::completeExceptionally);
            });
            assertEquals("on its own event loop", answeredHow.orTimeout(5, TimeUnit.SECONDS).join());
        }
        // Each event loop connected once: the first loop's second command went on one of its own connections.
        assertEquals(2, info("clients", "connected_clients") - connectedBefore);
        pipeline.close();
    }

    /** One command on each of the pipeline's two connections, so that both are open. */
    private static void connectBoth(RedisPipeline pipeline) {
        for (int i = 0; i < 2; i++) {
            onEventLoop(() -> pipeline.send(incr("warm-up")).subscribeAsCompletionStage()).join();
        }
    }

    private static RedisPipeline pipeline() {
        return pipeline(new SimpleMeterRegistry());
    }

    private static RedisPipeline pipeline(MeterRegistry registry) {
        return new RedisPipeline(redis, RedisPipelineTest::options, vertx, new RedisConfig() {
            @Override
            public Duration timeout() {
                return Duration.ofSeconds(2);
            }

            @Override
            public int connections() {
                return 2;
            }

            @Override
            public Duration probeInterval() {
                return Duration.ofSeconds(5);
            }

            @Override
            public Optional<String> passwordFile() {
                return Optional.empty();
            }
        }, new RedisMetrics(registry), io.opentelemetry.api.OpenTelemetry.noop().getTracer("test"), Optional.empty());
    }

    /** The commands sent in one pass of an event loop, as the calls of one read are. */
    private static List<CompletableFuture<Response>> sendInOnePass(RedisPipeline pipeline, List<Request> commands) {
        return onEventLoop(() -> commands.stream().map(command -> pipeline.send(command).subscribeAsCompletionStage()).toList());
    }

    /** Runs on one Vert.x event loop, as the gRPC calls of one read do. */
    private static <T> T onEventLoop(Supplier<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(ignored -> result.complete(action.get()));
        return result.orTimeout(5, TimeUnit.SECONDS).join();
    }

    private static Throwable assertFailed(CompletableFuture<?> answer) {
        try {
            answer.get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the command succeeded");
    }

    private static Response admin(Request request) {
        return admin.send(request).await().atMost(Duration.ofSeconds(5));
    }

    private static Request incr(String key) {
        return Request.cmd(Command.INCR).arg(key);
    }

    private static RedisOptions options() {
        return new RedisOptions().setConnectionString(redisServer.uri()).setMaxWaitingHandlers(2048);
    }

    private static long stat(String name) {
        return info("stats", name);
    }

    private static long info(String section, String name) {
        for (String line : admin(Request.cmd(Command.INFO).arg(section)).toString().split("\\r?\\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        throw new IllegalStateException("no " + name + " in INFO " + section);
    }
}
