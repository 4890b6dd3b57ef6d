package io.registrationsigner.sequence;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The commands of concurrent calls on a few long-lived connections ({@code signer.sequence.connections}),
 * written without waiting for earlier answers: Redis reads and answers them in batches (pipelining).
 * Borrowing a pooled connection per command cost the service about a quarter of its throughput.
 * <p>
 * Each connection takes at most {@code quarkus.redis.max-waiting-handlers} unanswered commands;
 * beyond that a command fails at once. A connection that fails or closes is replaced by the next
 * command; Sentinel and Cluster connections route and fail over on their own. The connections
 * come from the client's pool and go back to it when the client closes at shut-down.
 */
@ApplicationScoped
public class RedisPipeline {

    /** Vert.x's message when a connection has max-waiting-handlers commands unanswered. */
    static final String QUEUE_FULL = "Redis waiting queue is full";

    private final Redis redis;
    private final Slot[] slots;
    private final AtomicInteger next = new AtomicInteger();

    RedisPipeline(Redis redis, SequenceConfig config) {
        this.redis = redis;
        this.slots = new Slot[Math.max(1, config.connections())];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot();
        }
    }

    public Uni<Response> send(Request request) {
        Slot slot = slots[Math.floorMod(next.getAndIncrement(), slots.length)];
        Uni<RedisConnection> connection = slot.connection();
        return connection
                .onFailure().invoke(() -> slot.drop(connection, null))
                .chain(c -> c.send(request)
                        .onFailure(failure -> !QUEUE_FULL.equals(failure.getMessage()))
                        .invoke(() -> slot.drop(connection, c)));
    }

    private final class Slot {

        private final AtomicReference<Uni<RedisConnection>> current = new AtomicReference<>();

        Uni<RedisConnection> connection() {
            Uni<RedisConnection> connection = current.get();
            if (connection != null) {
                return connection;
            }
            AtomicReference<Uni<RedisConnection>> self = new AtomicReference<>();
            Uni<RedisConnection> connecting = redis.connect()
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
