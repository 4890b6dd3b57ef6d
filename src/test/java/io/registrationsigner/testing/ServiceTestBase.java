package io.registrationsigner.testing;

import java.net.URL;
import java.util.concurrent.TimeUnit;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.grpc.ManagedChannel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.restassured.specification.RequestSpecification;

/** A test of the running service: a fresh grpc-java channel to its port for every test. */
public abstract class ServiceTestBase {

    /** The gRPC port, as http://localhost:port. */
    protected URL url;

    /** The management interface: health and metrics. */
    @TestHTTPResource(value = "/", management = true)
    protected URL management;

    protected ManagedChannel channel;
    protected RegistrationSignerGrpc.RegistrationSignerBlockingStub signer;

    @BeforeEach
    void connect() {
        url = GrpcChannels.serviceUrl();
        channel = GrpcChannels.open(url);
        signer = RegistrationSignerGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** A request to the management interface (/q/health/*, /q/metrics). */
    protected RequestSpecification onManagement() {
        return Http.localhost(managementPort());
    }

    protected int managementPort() {
        return management.getPort();
    }

    /** /q/metrics as a Prometheus server that asks for the classic text format gets it. */
    protected String metrics() {
        return onManagement().accept("text/plain; version=0.0.4").get("/q/metrics").then().statusCode(200)
                .contentType(Matchers.containsString("text/plain")).extract().asString();
    }

    /** The blocking stub with a deadline, so that no test can hang on a call. */
    protected RegistrationSignerGrpc.RegistrationSignerBlockingStub signer(int deadlineSeconds) {
        return signer.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS);
    }
}
