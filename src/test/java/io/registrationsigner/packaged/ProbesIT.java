package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.google.common.util.concurrent.ListenableFuture;
import com.sun.jdi.Bootstrap;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;

import io.grpc.ManagedChannel;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.testing.ContainerJvm;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.Http;
import io.registrationsigner.testing.Nginx;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.TestApplication;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;

/**
 * The probes tell the truth about the gRPC server: the packaged service's event loop that serves a
 * call is stopped for real (a debugger suspends it where the call enters the service, as a
 * blocking call would hold it), and readiness goes DOWN within seconds, liveness before the 30 s
 * in which Kubernetes' liveness probe (10 s apart, 3 failures) must see it; both come back when the
 * loop runs again, and the held call is answered.
 */
class ProbesIT {

    @Test
    void aBlockedEventLoopTakesThePodOutOfRotationThenFailsLiveness() throws Exception {
        int debugPort = Nginx.freePort();
        List<String> jvm = new ArrayList<>(ContainerJvm.options());
        jvm.add("-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:" + debugPort);
        Map<String, String> config = new HashMap<>();
        try (RedisProcess redis = RedisProcess.server(Path.of("target", "test-resources", "probes-" + UUID.randomUUID()))) {
            config.put("quarkus.redis.hosts", redis.uri());
            try (ServiceProcess service = ServiceProcess.startWithVector("probes", config, jvm)) {
                assertEquals(200, status(service, "/q/health/ready"));
                assertEquals(200, status(service, "/q/health/live"));
                VirtualMachine debugger = attach(debugPort);
                ManagedChannel channel = GrpcChannels.open(service.url());
                try {
                    ReferenceType signer = debugger.classesByName("io.registrationsigner.grpc.RegistrationSignerService").get(0);
                    BreakpointRequest entry = debugger.eventRequestManager()
                            .createBreakpointRequest(signer.methodsByName("signRegistration").get(0).location());
                    entry.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
                    entry.enable();
                    ListenableFuture<SignRegistrationResponse> held = RegistrationSignerGrpc.newFutureStub(channel)
                            .withDeadlineAfter(60, TimeUnit.SECONDS).signRegistration(SignRegistrationRequest.newBuilder()
                                    .setUserId("held").setApplicationKey(TestApplication.VECTOR.key()).build());
                    ThreadReference eventLoop = awaitBreakpoint(debugger);
                    entry.disable();
                    long stopped = System.nanoTime();
                    assertTrue(eventLoop.name().startsWith("vert.x-eventloop-thread-"), eventLoop.name());

                    long notReady = awaitStatus(service, "/q/health/ready", 503, Duration.ofSeconds(10)) - stopped;
                    long notLive = awaitStatus(service, "/q/health/live", 503, Duration.ofSeconds(25)) - stopped;
                    System.out.printf("%s stopped: readiness DOWN after %d ms, liveness DOWN after %d ms%n", eventLoop.name(),
                            TimeUnit.NANOSECONDS.toMillis(notReady), TimeUnit.NANOSECONDS.toMillis(notLive));
                    assertTrue(notReady < notLive, "readiness goes first");
                    assertTrue(Http.localhost(service.managementPort()).get("/q/health/live").then().extract().asString()
                            .contains("an event loop has not run for"));

                    eventLoop.resume();
                    assertEquals(TestApplication.VECTOR.key(), held.get(30, TimeUnit.SECONDS).getApplicationKey());
                    awaitStatus(service, "/q/health/ready", 200, Duration.ofSeconds(10));
                    awaitStatus(service, "/q/health/live", 200, Duration.ofSeconds(10));
                } finally {
                    debugger.dispose();
                    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static VirtualMachine attach(int port) throws Exception {
        AttachingConnector socket = Bootstrap.virtualMachineManager().attachingConnectors().stream()
                .filter(connector -> connector.transport().name().equals("dt_socket")).findFirst().orElseThrow();
        Map<String, Connector.Argument> arguments = socket.defaultArguments();
        arguments.get("hostname").setValue("127.0.0.1");
        arguments.get("port").setValue(Integer.toString(port));
        return socket.attach(arguments);
    }

    /** The thread the breakpoint stopped, left suspended. */
    private static ThreadReference awaitBreakpoint(VirtualMachine debugger) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            EventSet events = debugger.eventQueue().remove(1_000);
            if (events == null) {
                continue;
            }
            for (Event event : events) {
                if (event instanceof BreakpointEvent breakpoint) {
                    return breakpoint.thread();
                }
            }
            events.resume();
        }
        throw new AssertionError("the call never reached the service");
    }

    /** Polls until the endpoint answers {@code expected}: when it did ({@link System#nanoTime()}). */
    private static long awaitStatus(ServiceProcess service, String path, int expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = status(service, path);
            if (last == expected) {
                return System.nanoTime();
            }
            Thread.sleep(200);
        }
        throw new AssertionError(path + " answered " + last + ", not " + expected + ", for " + timeout.toSeconds() + " s");
    }

    /** The status, or -1 when the endpoint did not answer within 3 s (a failed probe, for Kubernetes). */
    private static int status(ServiceProcess service, String path) {
        try {
            return Http.localhost(service.managementPort()).config(RestAssuredConfig.config().httpClient(HttpClientConfig
                    .httpClientConfig().setParam("http.socket.timeout", 3_000).setParam("http.connection.timeout", 3_000)))
                    .get(path).then().extract().statusCode();
        } catch (Exception timedOut) {
            return -1;
        }
    }
}
