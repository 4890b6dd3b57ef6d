package io.registrationsigner.transport;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.ScheduledFuture;
import io.quarkus.runtime.ShutdownEvent;
import io.registrationsigner.logging.LogThrottle;

/**
 * What grpc-java's server has no setting for, on every connection of the gRPC port, before any
 * byte reaches grpc-java: at most {@code signer.server.limits.max-connections} connections; a
 * connection that starts no call within {@code first-call-timeout} is closed (half-sent prefaces
 * and headers included); a flood of control frames closes the connection; requests still arriving
 * hold at most {@code max-unfinished-request-bytes} on all connections together; and a {@code
 * grpc-timeout} that grpc-java would answer with a bare stream reset and two stack traces is
 * handed to {@link MalformedTimeouts}, which answers it with a status. Each closing is counted
 * ({@code signer_connections_closed_total}) and logged at most once per reason and 10 s.
 */
@ApplicationScoped
public class ConnectionGuard {

    static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
    /** Put on a call's headers in place of a grpc-timeout that is malformed or already expired; never taken from a client. */
    static final AsciiString TIMEOUT_PROBLEM = AsciiString.cached("x-registration-signer-timeout-problem");
    static final AsciiString MALFORMED = AsciiString.cached("malformed");
    static final AsciiString EXPIRED = AsciiString.cached("expired");

    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class);
    private static final long CONTROL_FRAME_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    private final ServerLimitsConfig limits;
    private final MeterRegistry registry;
    private final AtomicInteger open = new AtomicInteger();
    private final Gauge openGauge;
    private final Closing overLimit;
    private final Closing noCall;
    private final Closing controlFrames;
    /** Bytes of unfinished requests on all connections, and the streams reset for going over their bound. */
    private final AtomicLong unfinishedBytes = new AtomicLong();
    private final long maxUnfinishedBytes;
    private final Counter unfinishedRefused;
    private final LogThrottle unfinishedLog = new LogThrottle(LOG_INTERVAL);

    ConnectionGuard(ServerLimitsConfig limits, MeterRegistry registry) {
        this.limits = limits;
        this.registry = registry;
        this.openGauge = Gauge.builder("signer.connections.open", open, AtomicInteger::get)
                .description("Connections open to the gRPC port").register(registry);
        this.overLimit = new Closing("over_limit", registry);
        this.noCall = new Closing("no_call", registry);
        this.controlFrames = new Closing("control_frames", registry);
        this.maxUnfinishedBytes = limits.maxUnfinishedRequestBytes().asLongValue();
        this.unfinishedRefused = Counter.builder("signer.requests.refused")
                .description("Requests refused before they reached a service, by reason")
                .tag("reason", "unfinished_requests").register(registry);
    }

    void stopped(@Observes ShutdownEvent event) {
        // Micrometer's global registry outlives the application in tests: a gauge left there would read this instance.
        registry.remove(openGauge);
    }

    /** {@code negotiator} (plain text or TLS), with these defences in front of grpc-java's handler. */
    InternalProtocolNegotiator.ProtocolNegotiator guarding(InternalProtocolNegotiator.ProtocolNegotiator negotiator) {
        return new InternalProtocolNegotiator.ProtocolNegotiator() {
            @Override
            public AsciiString scheme() {
                return negotiator.scheme();
            }

            @Override
            public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
                Http2ConnectionDecoder decoder = grpcHandler.decoder();
                decoder.frameListener(new GuardedFrames(decoder.frameListener(), grpcHandler.connection()));
                return new Admission(negotiator.newHandler(grpcHandler), grpcHandler);
            }

            @Override
            public void close() {
                negotiator.close();
            }
        };
    }

    /**
     * Why a grpc-timeout cannot start a call: {@link #MALFORMED} unless it is 1 to 8 digits and a
     * unit of H, M, S, m, u or n (gRPC over HTTP/2), {@link #EXPIRED} when it is zero; else null.
     */
    static AsciiString timeoutProblem(CharSequence timeout) {
        int length = timeout.length();
        if (length < 2 || length > 9 || "HMSmun".indexOf(timeout.charAt(length - 1)) < 0) {
            return MALFORMED;
        }
        boolean zero = true;
        for (int i = 0; i < length - 1; i++) {
            char digit = timeout.charAt(i);
            if (digit < '0' || digit > '9') {
                return MALFORMED;
            }
            zero &= digit == '0';
        }
        return zero ? EXPIRED : null;
    }

    /** Counts a connection to its limit as it is accepted, and closes it if it starts no call in time. */
    private final class Admission extends ChannelHandlerAdapter {

        private final ChannelHandler next;
        private final GrpcHttp2ConnectionHandler grpcHandler;

        Admission(ChannelHandler next, GrpcHttp2ConnectionHandler grpcHandler) {
            this.next = next;
            this.grpcHandler = grpcHandler;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            Channel channel = ctx.channel();
            if (open.incrementAndGet() > limits.maxConnections()) {
                open.decrementAndGet();
                overLimit.count(channel.remoteAddress(), "the gRPC port has its " + limits.maxConnections()
                        + " connections open (signer.server.limits.max-connections)");
                ctx.pipeline().remove(this);
                // Before grpc-java's handler is in the pipeline: the socket closes at once.
                channel.close();
                return;
            }
            ScheduledFuture<?> firstCall = ctx.executor().schedule(() -> {
                if (grpcHandler.connection().remote().lastStreamCreated() == 0) {
                    noCall.count(channel.remoteAddress(), "no call started within " + limits.firstCallTimeout().toMillis()
                            + " ms (signer.server.limits.first-call-timeout)");
                    goAwayAndClose(channel);
                }
            }, limits.firstCallTimeout().toNanos(), TimeUnit.NANOSECONDS);
            channel.closeFuture().addListener(closed -> {
                open.decrementAndGet();
                firstCall.cancel(false);
            });
            ctx.pipeline().replace(this, null, next);
        }

        /**
         * GOAWAY (no call was taken), then the socket closed at once: grpc-java's own graceful
         * close would wait up to 10 s more for the PING that a stalled client never answers.
         */
        private void goAwayAndClose(Channel channel) {
            ChannelHandlerContext grpc = channel.pipeline().context(grpcHandler);
            if (grpc != null) {
                grpcHandler.goAway(grpc, 0, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, grpc.newPromise());
                grpc.flush();
            }
            channel.pipeline().firstContext().close();
        }
    }

    /** grpc-java's frame listener, behind the checks of every frame a stranger could send before a call. */
    private final class GuardedFrames extends Http2FrameListenerDecorator {

        private final Http2Connection connection;
        /** Per stream: the bytes of its request received so far, until the request is whole. */
        private final Http2Connection.PropertyKey unfinished;
        private long windowStart = System.nanoTime();
        private int framesInWindow;
        private boolean flooded;

        GuardedFrames(Http2FrameListener grpc, Http2Connection connection) {
            super(grpc);
            this.connection = connection;
            this.unfinished = connection.newKey();
            connection.addListener(new Http2ConnectionAdapter() {
                @Override
                public void onStreamClosed(Http2Stream stream) {
                    finished(stream);
                }
            });
        }

        /**
         * A request's bytes count against {@code max-unfinished-request-bytes} from its first DATA
         * frame to its END_STREAM: grpc-java holds a message's bytes until the message is whole, in
         * Netty's direct memory, whatever the flow-control window.
         */
        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
                throws Http2Exception {
            Http2Stream stream = connection.stream(streamId);
            if (stream != null) {
                if (endOfStream) {
                    finished(stream);
                } else {
                    hold(ctx, stream, data.readableBytes());
                }
            }
            return super.onDataRead(ctx, streamId, data, padding, endOfStream);
        }

        private void hold(ChannelHandlerContext ctx, Http2Stream stream, int bytes) throws Http2Exception {
            if (unfinishedBytes.addAndGet(bytes) > maxUnfinishedBytes) {
                unfinishedBytes.addAndGet(-bytes);
                unfinishedRefused.increment();
                long unlogged = unfinishedLog.admit();
                if (unlogged >= 0) {
                    LOG.warnf("Stream of %s reset: the requests still arriving on all connections hold %d bytes"
                            + " (signer.server.limits.max-unfinished-request-bytes)%s", ctx.channel().remoteAddress(),
                            maxUnfinishedBytes, LogThrottle.andUnlogged(unlogged));
                }
                // Netty answers a stream error with RST_STREAM; grpc-java ends the call.
                throw Http2Exception.streamError(stream.id(), Http2Error.ENHANCE_YOUR_CALM, "too many unfinished requests");
            }
            Long held = stream.getProperty(unfinished);
            stream.setProperty(unfinished, held == null ? bytes : held + bytes);
        }

        private void finished(Http2Stream stream) {
            Long held = stream.removeProperty(unfinished);
            if (held != null) {
                unfinishedBytes.addAndGet(-held);
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                boolean endOfStream) throws Http2Exception {
            checkTimeout(headers);
            super.onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                short weight, boolean exclusive, int padding, boolean endOfStream) throws Http2Exception {
            checkTimeout(headers);
            super.onHeadersRead(ctx, streamId, headers, streamDependency, weight, exclusive, padding, endOfStream);
        }

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) throws Http2Exception {
            controlFrame(ctx);
            super.onWindowUpdateRead(ctx, streamId, windowSizeIncrement);
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) throws Http2Exception {
            controlFrame(ctx);
            super.onSettingsRead(ctx, settings);
        }

        @Override
        public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
                boolean exclusive) throws Http2Exception {
            controlFrame(ctx);
            super.onPriorityRead(ctx, streamId, streamDependency, weight, exclusive);
        }

        @Override
        public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags, ByteBuf payload)
                throws Http2Exception {
            controlFrame(ctx);
            super.onUnknownFrame(ctx, frameType, streamId, flags, payload);
        }

        /** Each costs the event loop and asks nothing of the service: a connection gets a budget of them. */
        private void controlFrame(ChannelHandlerContext ctx) throws Http2Exception {
            long now = System.nanoTime();
            if (now - windowStart > CONTROL_FRAME_WINDOW_NANOS) {
                windowStart = now;
                framesInWindow = 0;
            }
            if (++framesInWindow > limits.maxControlFramesPer10s()) {
                if (!flooded) {
                    flooded = true;
                    controlFrames.count(ctx.channel().remoteAddress(), "more than " + limits.maxControlFramesPer10s()
                            + " control frames in 10 s (signer.server.limits.max-control-frames-per10s)");
                }
                // Netty answers a connection error with GOAWAY and closes the connection.
                throw Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM, "too many control frames");
            }
        }

        private void checkTimeout(Http2Headers headers) {
            headers.remove(TIMEOUT_PROBLEM);
            CharSequence timeout = headers.get(GRPC_TIMEOUT);
            if (timeout == null) {
                return;
            }
            AsciiString problem = timeoutProblem(timeout);
            if (problem != null) {
                headers.remove(GRPC_TIMEOUT);
                headers.add(TIMEOUT_PROBLEM, problem);
            }
        }
    }

    /** One reason to close connections: its counter and its log line, at most once per 10 s. */
    private static final class Closing {

        private final String reason;
        private final Counter counter;
        private final LogThrottle log = new LogThrottle(LOG_INTERVAL);

        Closing(String reason, MeterRegistry registry) {
            this.reason = reason;
            this.counter = Counter.builder("signer.connections.closed")
                    .description("Connections to the gRPC port closed by the service's limits, by reason")
                    .tag("reason", reason).register(registry);
        }

        void count(SocketAddress peer, String why) {
            counter.increment();
            long unlogged = log.admit();
            if (unlogged >= 0) {
                LOG.warnf("Connection from %s closed (%s): %s%s", peer, reason.replace('_', ' ').toLowerCase(Locale.ROOT), why,
                        LogThrottle.andUnlogged(unlogged));
            }
        }
    }
}
