package io.registrationsigner.testing;

import java.net.URL;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.grpc.ManagedChannel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;

/** A test of the running service: a fresh grpc-java channel to its port for every test. */
public abstract class ServiceTestBase {

    @TestHTTPResource
    protected URL url;

    protected ManagedChannel channel;
    protected RegistrationSignerGrpc.RegistrationSignerBlockingStub signer;

    @BeforeEach
    void connect() {
        channel = GrpcChannels.open(url);
        signer = RegistrationSignerGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** The blocking stub with a deadline, so that no test can hang on a call. */
    protected RegistrationSignerGrpc.RegistrationSignerBlockingStub signer(int deadlineSeconds) {
        return signer.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS);
    }
}
