package io.registrationsigner.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.netty.channel.EventLoop;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.registrationsigner.metrics.RedisMetrics;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisOptions;

/**
 * The commands of concurrent calls on a few long-lived connections, written without waiting for
 * earlier answers: Redis reads and answers them in batches (pipelining). Borrowing a pooled
 * connection per command cost the service about a quarter of its throughput.
 * <p>
 * Each event loop has connections of its own ({@code signer.redis.connections}), made by a Redis
 * client of its own: a call's command is written, and its answer read and handed back, on the
 * event loop of the call, with no hand-over between threads. (A Vert.x Redis client makes all its
 * connections on the event loop it was created on.) Commands sent off any event loop (start-up
 * checks) go through Quarkus' client.
 * <p>
 * The commands that arrive in one pass of an event loop (the calls of one read from a client) leave
 * in one write, a batch: a system call per command was a tenth of the event loops' time. A batch
 * fails as a whole when one of its commands fails, so its commands are then sent again one by one,
 * each failing or succeeding on its own; a sequence that the failed batch had already taken is
 * skipped, never handed out. A Cluster cannot batch keys of different nodes, so there each command
 * is sent alone.
 * <p>
 * Each connection takes at most {@code quarkus.redis.max-waiting-handlers} unanswered commands;
 * beyond that a command fails at once. A connection that fails or closes is replaced by the next
 * command; Sentinel and Cluster connections route and fail over on their own. The connections
 * come from their client's pool and close with it at shut-down.
 */
@Singleton
public class RedisPipeline {

    // OpenTelemetry's semantic conventions for database client spans.
    private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    private static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");

    /** Vert.x's message when a connection has max-waiting-handlers commands unanswered. */
    static final String QUEUE_FULL = "Redis waiting queue is full";

    private final Vertx vertx;
    private final Supplier<RedisOptions> options;
    private final RedisMetrics metrics;
    private final Tracer tracer;
    private final Map<Command, String> commandNames = new ConcurrentHashMap<>();
    private final boolean batches;
    private final int connections;
    /** Quarkus' client, for commands sent off any event loop. */
    private final Slot[] offEventLoops;
    private final Map<EventLoop, Slot[]> byEventLoop = new ConcurrentHashMap<>();
    /** The clients made here, one per event loop, closed with the pipeline. */
    private final List<Redis> clients = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    @Inject
    RedisPipeline(Redis redis, RedisClientOptions clientOptions, Vertx vertx, RedisConfig config, RedisMetrics metrics,
            Tracer tracer, @ConfigProperty(name = "quarkus.redis.client-type") Optional<String> clientType) {
        // Quarkus makes its client, and so settles its options, when the client is first used.
        this(redis, () -> {
            redis.getDelegate();
            return clientOptions.copy();
        }, vertx, config, metrics, tracer, clientType);
    }

    RedisPipeline(Redis redis, Supplier<RedisOptions> options, Vertx vertx, RedisConfig config, RedisMetrics metrics,
            Tracer tracer, Optional<String> clientType) {
        this.vertx = vertx;
        this.options = options;
        this.metrics = metrics;
        this.tracer = tracer;
        this.batches = !clientType.map("cluster"::equalsIgnoreCase).orElse(false);
        this.connections = Math.max(1, config.connections());
        this.offEventLoops = slots(redis);
    }

    public Uni<Response> send(Request request) {
        Slot slot = slot();
        Uni<Response> sent = batches
                ? Uni.createFrom().emitter(caller -> slot.enqueue(new QueuedCommand(request, caller, Vertx.currentContext())))
                : slot.sendAlone(request);
        return measured(request, sent);
    }

    private Slot slot() {
        Slot[] slots = offEventLoops;
        if (Vertx.currentContext() instanceof ContextInternal context && context.isEventLoopContext()) {
            EventLoop eventLoop = context.nettyEventLoop();
            slots = byEventLoop.get(eventLoop);
            if (slots == null) {
                slots = byEventLoop.computeIfAbsent(eventLoop, loop -> slots(clientOn(loop, context)));
            }
        }
        return slots.length == 1 ? slots[0] : slots[Math.floorMod(next.getAndIncrement(), slots.length)];
    }

    private Slot[] slots(Redis client) {
        Slot[] slots = new Slot[connections];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(client);
        }
        return slots;
    }

    /** A client like Quarkus', made on {@code eventLoop}: its connections live there. It connects on first use. */
    private Redis clientOn(EventLoop eventLoop, ContextInternal current) {
        // A context of its own, not the call's: the client keeps it for as long as it lives.
        ContextInternal own = ((VertxInternal) vertx).createEventLoopContext(eventLoop, current.workerPool(),
                Thread.currentThread().getContextClassLoader());
        // Made while its context is the current one (on this thread, now): the client keeps that context.
        ContextInternal previous = own.beginDispatch();
        try {
            Redis client = Redis.newInstance(io.vertx.redis.client.Redis.createClient(vertx, options.get()));
            clients.add(client);
            return client;
        } finally {
            own.endDispatch(previous);
        }
    }

    /** At shut-down, once the gRPC server has answered its calls: Quarkus closes its own client. */
    @PreDestroy
    void close() {
        clients.forEach(Redis::close);
    }

    /**
     * Times the command from the moment the caller waits for it (a caller that stops waiting
     * abandons it), in a client span of the caller's trace: one per command, batched or not.
     * The span names the command only, never its arguments (keys hold user ids).
     */
    private Uni<Response> measured(Request request, Uni<Response> sent) {
        return Uni.createFrom().deferred(() -> {
            String name = commandNames.computeIfAbsent(request.getDelegate().command(), c -> c.toString().toUpperCase(Locale.ROOT));
            // Only commands of a traced call: not the health probe's PINGs, nor start-up checks.
            Span span = Span.current().getSpanContext().isValid()
                    ? tracer.spanBuilder(name).setSpanKind(SpanKind.CLIENT)
                            .setAttribute(DB_SYSTEM, "redis")
                            .setAttribute(DB_OPERATION, name)
                            .startSpan()
                    : Span.getInvalid();
            long start = System.nanoTime();
            return sent.onTermination().invoke((response, failure, cancelled) -> {
                String outcome = cancelled ? RedisMetrics.ABANDONED : failure == null ? RedisMetrics.OK : RedisMetrics.FAILED;
                metrics.recordCommand(name, outcome, System.nanoTime() - start);
                if (!RedisMetrics.OK.equals(outcome)) {
                    span.setStatus(StatusCode.ERROR, cancelled ? outcome : failure.getClass().getSimpleName());
                }
                span.end();
            });
        });
    }

    /**
     * Whether a command's failure means its connection is broken: not when Redis answered it with
     * an error (WRONGTYPE, say; the failure is then the reply), nor when it was refused for a full queue.
     */
    static boolean connectionFailed(Throwable failure) {
        return !(failure instanceof io.vertx.redis.client.Response) && !QUEUE_FULL.equals(failure.getMessage());
    }

    /**
     * A command of a call, and the call's Vert.x context: its answer is handed over on that context,
     * so that the call goes on with its own trace and log context (held in the Vert.x context),
     * not with that of the call whose drain sent the batch.
     */
    private record QueuedCommand(Request request, UniEmitter<? super Response> caller, Context context) {

        void complete(Response response) {
            if (context instanceof ContextInternal own) {
                own.emit(response, caller::complete);
            } else {
                caller.complete(response);
            }
        }

        void fail(Throwable failure) {
            if (context instanceof ContextInternal own) {
                own.emit(failure, caller::fail);
            } else {
                caller.fail(failure);
            }
        }
    }

    private final class Slot {

        private final Redis client;
        private final AtomicReference<Uni<RedisConnection>> current = new AtomicReference<>();
        private final Queue<QueuedCommand> queued = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean drainScheduled = new AtomicBoolean();

        Slot(Redis client) {
            this.client = client;
        }

        void enqueue(QueuedCommand command) {
            queued.add(command);
            if (drainScheduled.compareAndSet(false, true)) {
                // A task of this event loop runs after the rest of the read that brought this call.
                Context context = Vertx.currentContext();
                if (context != null) {
                    context.runOnContext(ignored -> drain());
                } else {
                    vertx.runOnContext(ignored -> drain());
                }
            }
        }

        private void drain() {
            // Cleared first: a command queued from now on schedules the next drain.
            drainScheduled.set(false);
            List<QueuedCommand> batch = new ArrayList<>();
            for (QueuedCommand command = queued.poll(); command != null; command = queued.poll()) {
                batch.add(command);
            }
            if (batch.isEmpty()) {
                return;
            }
            metrics.recordBatch(batch.size());
            if (batch.size() == 1) {
                sendAlone(batch.get(0));
            } else {
                sendBatch(batch);
            }
        }

        private void sendBatch(List<QueuedCommand> batch) {
            List<Request> requests = new ArrayList<>(batch.size());
            for (QueuedCommand command : batch) {
                requests.add(command.request());
            }
            connection().chain(c -> c.batch(requests)).subscribe().with(
                    responses -> {
                        for (int i = 0; i < batch.size(); i++) {
                            batch.get(i).complete(responses.get(i));
                        }
                    },
                    failure -> batch.forEach(this::sendAlone));
        }

        private void sendAlone(QueuedCommand command) {
            sendAlone(command.request()).subscribe().with(command::complete, command::fail);
        }

        Uni<Response> sendAlone(Request request) {
            Uni<RedisConnection> connection = connection();
            return connection
                    .onFailure().invoke(() -> drop(connection, null))
                    .chain(c -> c.send(request)
                            .onFailure(RedisPipeline::connectionFailed)
                            .invoke(() -> drop(connection, c)));
        }

        Uni<RedisConnection> connection() {
            Uni<RedisConnection> connection = current.get();
            if (connection != null) {
                return connection;
            }
            AtomicReference<Uni<RedisConnection>> self = new AtomicReference<>();
            Uni<RedisConnection> connecting = client.connect()
                    .onItem().invoke(made -> made
                            .exceptionHandler(e -> drop(self.get(), made))
                            .endHandler(() -> drop(self.get(), made)))
                    .memoize().indefinitely();
            self.set(connecting);
            return current.compareAndSet(null, connecting) ? connecting : current.get();
        }

        /** Forgets this connection, and closes it when it was made, so that the next command makes a new one. */
        void drop(Uni<RedisConnection> connection, RedisConnection made) {
            if (current.compareAndSet(connection, null) && made != null) {
                made.closeAndForget();
            }
        }
    }
}
