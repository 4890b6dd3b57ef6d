package io.registrationsigner.testing;

import java.net.URL;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/** A plain grpc-java channel to the service under test, as any internal client would open one. */
public final class GrpcChannels {

    private GrpcChannels() {
    }

    /** @param serviceUrl the service's HTTP URL (@TestHTTPResource): gRPC shares its port. */
    public static ManagedChannel open(URL serviceUrl) {
        return ManagedChannelBuilder.forAddress(serviceUrl.getHost(), serviceUrl.getPort()).usePlaintext().build();
    }
}
