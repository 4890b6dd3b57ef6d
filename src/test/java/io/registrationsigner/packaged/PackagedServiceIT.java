package io.registrationsigner.packaged;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.stub.ClientCalls;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.registrationsigner.testing.PrometheusText;
import io.registrationsigner.testing.LogScan;
import io.registrationsigner.testing.Reflection;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.Signatures;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.StatusMessages;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;
import io.registrationsigner.testing.Tokens;

/**
 * The packaged service (java -jar target/quarkus-app/quarkus-run.jar, prod profile) with exactly
 * one application, called by a client that knows nothing but what reflection tells it.
 */
@QuarkusIntegrationTest
@WithTestResource(value = SignerTestResource.class, initArgs = {
        @ResourceArg(name = SignerTestResource.APPLICATIONS, value = "one"),
        @ResourceArg(name = SignerTestResource.AUTH, value = "callers") })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackagedServiceIT extends ServiceTestBase {

    @Override
    protected int managementPort() {
        return LogScan.packagedServiceManagementPort();
    }

    @AfterAll
    static void keepLog() {
        LogScan.keepPackagedServiceLog(PackagedServiceIT.class);
    }


    @Test
    @Order(1)
    void aClientThatOnlyKnowsReflectionIssuesACredentialWithoutNamingTheApplication() throws Exception {
        assertTrue(Reflection.services(asBackend()).contains("signer.v1.RegistrationSigner"));
        MethodDescriptor method = discover("signer.v1.RegistrationSigner").findMethodByName("SignRegistration");
        Descriptor input = method.getInputType();

        DynamicMessage request = DynamicMessage.newBuilder(input)
                .setField(input.findFieldByName("user_id"), "reflected-user")
                .build();
        DynamicMessage response = call(method, request);

        Descriptor output = method.getOutputType();
        long sequence = (Long) response.getField(output.findFieldByName("sequence"));
        assertEquals("reflected-user", response.getField(output.findFieldByName("user_id")));
        assertEquals(TestApplication.VECTOR.key(), response.getField(output.findFieldByName("application_key")));
        assertEquals(1, sequence);
        assertEquals(Signatures.expected("reflected-user", TestApplication.VECTOR.key(), sequence,
                TestApplication.VECTOR.secret()), response.getField(output.findFieldByName("signature")));
    }

    @Test
    @Order(2)
    void aClientThatOnlyKnowsReflectionIssuesATokenAndVerifiesIt() throws Exception {
        ServiceDescriptor service = discover("signer.v1.RegistrationSigner");
        MethodDescriptor issue = service.findMethodByName("IssueRegistrationToken");
        DynamicMessage issued = call(issue, DynamicMessage.newBuilder(issue.getInputType())
                .setField(issue.getInputType().findFieldByName("user_id"), "reflected-user")
                .build());
        String token = (String) issued.getField(issue.getOutputType().findFieldByName("token"));
        // Nothing but the application secret and the published derivation.
        assertTrue(Tokens.independentlyVerified(token, TestApplication.VECTOR.secret()));
        assertEquals(issued.getField(issue.getOutputType().findFieldByName("key_id")), Tokens.header(token).get("kid"));

        MethodDescriptor verify = service.findMethodByName("VerifyRegistration");
        DynamicMessage verdict = call(verify, DynamicMessage.newBuilder(verify.getInputType())
                .setField(verify.getInputType().findFieldByName("user_id"), "reflected-user")
                .setField(verify.getInputType().findFieldByName("token"), token)
                .build());
        assertEquals(true, verdict.getField(verify.getOutputType().findFieldByName("valid")));
    }

    @Test
    @Order(3)
    void badInputGetsAStatusForHumans() throws Exception {
        MethodDescriptor method = discover("signer.v1.RegistrationSigner").findMethodByName("SignRegistration");
        Descriptor input = method.getInputType();
        DynamicMessage request = DynamicMessage.newBuilder(input)
                .setField(input.findFieldByName("user_id"), "not/valid")
                .build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call(method, request));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        StatusMessages.assertSafe(e);
    }

    @Test
    @Order(4)
    void healthAndMetricsAreServed() {
        onManagement().get("/q/health/ready").then().statusCode(200).body("status", is("UP"));
        onManagement().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
        String metrics = onManagement().accept("text/plain; version=0.0.4").get("/q/metrics").then().statusCode(200)
                .extract().asString();
        assertEquals(1, PrometheusText.value(metrics, "signer_credentials_total",
                Map.of("application", "vector", "scheme", "legacy", "outcome", "ok")));
        assertEquals(1, PrometheusText.value(metrics, "signer_credentials_total",
                Map.of("application", "vector", "scheme", "legacy", "outcome", "invalid_argument")));
    }

    /** Netty's native transport loads from the packaged jars (it falls back to Java NIO without a word when it cannot). */
    @Test
    @Order(5)
    void onLinuxTheEventLoopsRunOnEpoll() throws Exception {
        String arch = System.getProperty("os.arch");
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux") && (arch.equals("amd64") || arch.equals("aarch64")),
                "the epoll transport is shipped for Linux on x86_64 and aarch64");
        String log = Files.readString(LogScan.PACKAGED_SERVICE_LOG);
        assertTrue(log.contains(", transport: epoll]"), "the gRPC server's startup line names another transport: "
                + log.lines().filter(line -> line.contains("Started gRPC server")).toList());
    }

    /** Reflection answers authenticated callers only: grpcurl sends the token with -H. */
    private io.grpc.Channel asBackend() {
        return io.grpc.ClientInterceptors.intercept(channel, TestCaller.BACKEND.credentials());
    }

    /** The service's file and its imports, as grpcurl builds them from reflection. */
    private ServiceDescriptor discover(String symbol) throws Exception {
        var files = Reflection.ask(asBackend(), ServerReflectionRequest.newBuilder().setFileContainingSymbol(symbol).build())
                .getFileDescriptorResponse().getFileDescriptorProtoList();
        Map<String, FileDescriptorProto> byName = new HashMap<>();
        for (ByteString bytes : files) {
            FileDescriptorProto file = FileDescriptorProto.parseFrom(bytes);
            byName.put(file.getName(), file);
        }
        FileDescriptorProto contract = byName.values().stream()
                .filter(f -> f.getServiceList().stream().anyMatch(s -> symbol.endsWith("." + s.getName())))
                .findFirst().orElseThrow();
        return build(contract, byName, new HashMap<>()).findServiceByName(symbol.substring(symbol.lastIndexOf('.') + 1));
    }

    private FileDescriptor build(FileDescriptorProto file, Map<String, FileDescriptorProto> byName,
            Map<String, FileDescriptor> built) throws Exception {
        if (built.containsKey(file.getName())) {
            return built.get(file.getName());
        }
        FileDescriptor[] dependencies = new FileDescriptor[file.getDependencyCount()];
        for (int i = 0; i < dependencies.length; i++) {
            String name = file.getDependency(i);
            FileDescriptorProto dependency = byName.get(name);
            if (dependency == null) {
                dependency = FileDescriptorProto.parseFrom(Reflection.ask(asBackend(), ServerReflectionRequest.newBuilder()
                        .setFileByFilename(name).build()).getFileDescriptorResponse().getFileDescriptorProto(0));
                byName.put(name, dependency);
            }
            dependencies[i] = build(dependency, byName, built);
        }
        FileDescriptor descriptor = FileDescriptor.buildFrom(file, dependencies);
        built.put(file.getName(), descriptor);
        return descriptor;
    }

    private DynamicMessage call(MethodDescriptor method, DynamicMessage request) {
        // The prod profile admits no anonymous caller: this one is the configured backend.
        return ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(channel, TestCaller.BACKEND.credentials()),
                dynamicMethod(method),
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request);
    }

    private static io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> dynamicMethod(MethodDescriptor method) {
        return io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage> newBuilder()
                .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(
                        method.getService().getFullName(), method.getName()))
                .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
                .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
                .build();
    }
}
