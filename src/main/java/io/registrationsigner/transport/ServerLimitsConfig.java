package io.registrationsigner.transport;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * What one client may hold of the gRPC port before and after authentication. grpc-java's server
 * leaves all of these unlimited; each default is sized so that a pod's worst case fits its memory
 * (docs/deployment.md#memory) and is explained in docs/security.md#before-authentication.
 */
@ConfigMapping(prefix = "signer.server.limits")
public interface ServerLimitsConfig {

    /** Open connections to the gRPC port; a connection beyond them is closed as it arrives. */
    @WithDefault("512")
    int maxConnections();

    /** Calls in flight on one connection (HTTP/2 MAX_CONCURRENT_STREAMS); a client queues the rest. */
    @WithDefault("128")
    int maxConcurrentCallsPerConnection();

    /** A connection that has started no call this long after it was accepted is closed. */
    @WithDefault("10s")
    Duration firstCallTimeout();

    /** A connection with no call in flight for this long is told to go away (GOAWAY). */
    @WithDefault("5m")
    Duration maxConnectionIdle();

    /** A connection is told to go away after this long (±10 %), so that new replicas get connections. */
    @WithDefault("30m")
    Duration maxConnectionAge();

    /** How long the calls of a connection told to go away at its age may still take. */
    @WithDefault("10s")
    Duration maxConnectionAgeGrace();

    /** RST_STREAM frames a connection may send in 10 s; one more and it is closed (GOAWAY ENHANCE_YOUR_CALM). */
    @WithDefault("1000")
    int maxResetsPer10s();

    /** WINDOW_UPDATE, SETTINGS, PRIORITY and unknown frames a connection may send in 10 s. */
    @WithDefault("10000")
    int maxControlFramesPer10s();

    /**
     * Bytes of requests still arriving (DATA without END_STREAM) held on all connections together;
     * a DATA frame beyond them resets its stream. Requests come whole, in microseconds; only a
     * client that parks half-sent messages holds any.
     */
    @WithDefault("16M")
    MemorySize maxUnfinishedRequestBytes();

    /** grpc.health.v1.Health/Watch streams open on one connection. */
    @WithDefault("4")
    int maxHealthWatchesPerConnection();

    /** grpc.health.v1.Health/Watch streams open on the whole port. */
    @WithDefault("1024")
    int maxHealthWatches();
}
