package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import io.grpc.Compressor;
import io.grpc.CompressorRegistry;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.testing.GrpcChannels;
import io.registrationsigner.testing.Http;
import io.registrationsigner.testing.PrometheusText;
import io.registrationsigner.testing.RedisProcess;
import io.registrationsigner.testing.ServiceProcess;
import io.registrationsigner.testing.StatusMessages;
import io.registrationsigner.testing.TestApplication;
import io.registrationsigner.testing.TestCaller;

/**
 * What an unauthenticated caller can make the packaged service spend, on a heap as small as a
 * tight pod's: compressed-message bombs and oversized messages are refused before they cost
 * memory, and the service answers the next call.
 */
class HostileInputIT {

    /** A request whose user_id is 100 MB of one letter, gzipped: about 100 KB on the wire. */
    private static final int INFLATED = 100 << 20;
    private static final int BOMBS = 16;

    private static RedisProcess redis;
    private static ServiceProcess service;
    private static byte[] bomb;

    @BeforeAll
    static void start() throws IOException {
        Map<Object, Object> caller = new HashMap<>();
        TestCaller.BACKEND.putInto(caller);
        Map<String, String> config = new HashMap<>();
        caller.forEach((key, value) -> config.put((String) key, (String) value));
        config.put("signer.auth.allow-anonymous", "false");
        redis = RedisProcess.server(Path.of("target", "test-resources", "hostile-input-" + UUID.randomUUID()));
        config.put("quarkus.redis.hosts", redis.uri());
        // As the container images run it: any OutOfMemoryError ends the process.
        service = ServiceProcess.startWithVector("hostile-input", config, List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"));
        bomb = gzippedRequest(INFLATED);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (service != null) {
            service.close();
        }
        redis.close();
    }

    @Test
    void concurrentCompressionBombsAreRefusedUninflatedAndTheServiceAnswersTheNextCall() throws Exception {
        CompressorRegistry bombs = CompressorRegistry.newEmptyInstance();
        bombs.register(new BombCompressor(bomb));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(service.url().getHost(), service.url().getPort())
                .usePlaintext().compressorRegistry(bombs).build();
        try {
            RegistrationSignerGrpc.RegistrationSignerFutureStub unauthenticated = RegistrationSignerGrpc
                    .newFutureStub(channel).withCompression("gzip").withDeadlineAfter(60, TimeUnit.SECONDS);
            List<ListenableFuture<SignRegistrationResponse>> calls = new ArrayList<>();
            for (int i = 0; i < BOMBS; i++) {
                calls.add(unauthenticated.signRegistration(request("bomb-" + i)));
            }
            for (ListenableFuture<SignRegistrationResponse> call : calls) {
                Throwable refusal = assertThrows(ExecutionException.class, call::get).getCause();
                Status status = Status.fromThrowable(refusal);
                assertEquals(Status.Code.UNIMPLEMENTED, status.getCode(), status.toString());
                assertTrue(status.getDescription().startsWith("compressed messages are not accepted"), status.toString());
                assertEquals("COMPRESSED_MESSAGE", StatusMessages.assertDetails((StatusRuntimeException) refusal).getReason());
            }
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }

        assertTrue(service.awaitExit(java.time.Duration.ZERO).isEmpty(), "the service died");
        assertEquals(1, sign("after-the-bombs").getSequence());
        assertEquals(BOMBS, PrometheusText.value(metrics(), "signer_requests_refused_total", Map.of("reason", "compressed")));
    }

    @Test
    void anOversizedMessageIsRefused() throws Exception {
        String huge = "u".repeat(64 * 1024);
        ManagedChannel channel = GrpcChannels.open(service.url());
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> RegistrationSignerGrpc
                    .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).signRegistration(request(huge)));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        assertEquals(1, sign("after-the-oversized-message").getSequence());
    }

    private static SignRegistrationResponse sign(String userId) throws InterruptedException {
        ManagedChannel channel = GrpcChannels.open(service.url());
        try {
            return RegistrationSignerGrpc.newBlockingStub(channel).withInterceptors(TestCaller.BACKEND.credentials())
                    .withDeadlineAfter(30, TimeUnit.SECONDS).signRegistration(request(userId));
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static String metrics() {
        return Http.localhost(service.managementPort())
                .accept("text/plain; version=0.0.4").get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static SignRegistrationRequest request(String userId) {
        return SignRegistrationRequest.newBuilder().setUserId(userId).setApplicationKey(TestApplication.VECTOR.key()).build();
    }

    /** A valid SignRegistrationRequest (field 1, user_id, of {@code size} bytes), gzipped. */
    private static byte[] gzippedRequest(int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            CodedOutputStream header = CodedOutputStream.newInstance(gzip);
            header.writeTag(SignRegistrationRequest.USER_ID_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            header.writeUInt32NoTag(size);
            header.flush();
            byte[] letters = new byte[1 << 20];
            java.util.Arrays.fill(letters, (byte) 'a');
            for (int written = 0; written < size; written += letters.length) {
                gzip.write(letters);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Announces gzip and sends the bomb in place of whatever message the stub serializes. */
    private record BombCompressor(byte[] bomb) implements Compressor {

        @Override
        public String getMessageEncoding() {
            return "gzip";
        }

        @Override
        public OutputStream compress(OutputStream wire) {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    // the real message is dropped
                }

                @Override
                public void close() throws IOException {
                    wire.write(bomb);
                    wire.close();
                }
            };
        }
    }
}
