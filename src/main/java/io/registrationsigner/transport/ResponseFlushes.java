package io.registrationsigner.transport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * One socket write for the answers of many calls. Vert.x's HTTP/2 server flushes each frame it
 * writes outside of a read: the headers, the message and the trailers of every answer, so three
 * {@code writev} system calls per call, which were a fifth of the service's CPU under load. Netty's
 * {@link FlushConsolidationHandler} defers those flushes to the end of the event loop's current
 * pass, so that the answers of a batch of Redis replies leave in one write.
 */
@ApplicationScoped
public class ResponseFlushes {

    /** Vert.x's name for its HTTP/2 handler in the connection's pipeline. */
    static final String VERTX_HTTP2_HANDLER = "handler";
    static final String NAME = "signer-flush-consolidation";
    /** Flush anyway after this many deferred flushes (Netty's default), bounding what waits. */
    private static final int MAX_DEFERRED_FLUSHES = FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES;
    /** Ahead of every other route (ConnectionShutdown is -1). */
    private static final int ROUTE_ORDER = -2;

    void routeCalls(@Observes Router router) {
        router.route().order(ROUTE_ORDER).handler(this::callArrived);
    }

    private void callArrived(RoutingContext context) {
        if (context.request().version() == HttpVersion.HTTP_2) {
            consolidate(context.request().connection());
        }
        context.next();
    }

    /** Runs on the connection's event loop, so the check and the change of its pipeline cannot race. */
    static void consolidate(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            ChannelPipeline pipeline = base.channel().pipeline();
            if (pipeline.get(NAME) == null && pipeline.get(VERTX_HTTP2_HANDLER) != null) {
                // Between TLS and HTTP/2: TLS then also sees one flush, and makes fewer records.
                pipeline.addBefore(VERTX_HTTP2_HANDLER, NAME, new FlushConsolidationHandler(MAX_DEFERRED_FLUSHES, true));
            }
        }
    }
}
