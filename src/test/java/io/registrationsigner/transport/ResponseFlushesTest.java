package io.registrationsigner.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * A Vert.x HTTP/2 server answers 100 calls at once from outside a read, as the service does when
 * a batch of Redis replies arrives; the flushes that reach the socket are counted.
 */
class ResponseFlushesTest {

    private static final int CALLS = 100;

    private Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void theAnswersOfOneBatchReachTheSocketInAFewFlushes() throws Exception {
        int flushes = answerAtOnce(true);

        assertTrue(flushes <= 3, flushes + " flushes for " + CALLS + " answers");
    }

    @Test
    void withoutItEachAnswerIsFlushedOnItsOwn() throws Exception {
        int flushes = answerAtOnce(false);

        assertTrue(flushes >= CALLS, flushes + " flushes for " + CALLS + " answers");
    }

    /** The flushes that reached the socket while the server answered CALLS calls from one task. */
    private int answerAtOnce(boolean consolidate) throws Exception {
        AtomicInteger socketFlushes = new AtomicInteger();
        AtomicInteger flushesBeforeAnswers = new AtomicInteger();
        List<HttpServerRequest> waiting = new ArrayList<>();
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                .connectionHandler(connection -> ((ConnectionBase) connection).channel().pipeline()
                        .addFirst(new ChannelOutboundHandlerAdapter() {
                            @Override
                            public void flush(ChannelHandlerContext context) {
                                socketFlushes.incrementAndGet();
                                context.flush();
                            }
                        }))
                .requestHandler(request -> {
                    if (consolidate) {
                        ResponseFlushes.consolidate(request.connection());
                    }
                    waiting.add(request);
                    if (waiting.size() == CALLS) {
                        // Outside the read that brought the last call, like a Redis reply.
                        vertx.getOrCreateContext().runOnContext(ignored -> {
                            flushesBeforeAnswers.set(socketFlushes.get());
                            waiting.forEach(call -> call.response().end("answer"));
                        });
                    }
                });
        server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            answers.add(client.request(HttpMethod.POST, server.actualPort(), "127.0.0.1", "/call")
                    .compose(request -> request.send("call"))
                    .compose(response -> response.body().map(Object::toString)));
        }
        for (Future<String> answer : answers) {
            assertEquals("answer", answer.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
        }
        client.close();
        return socketFlushes.get() - flushesBeforeAnswers.get();
    }
}
