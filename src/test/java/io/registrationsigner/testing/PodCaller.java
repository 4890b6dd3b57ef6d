package io.registrationsigner.testing;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.handler.ssl.SslContextBuilder;
import io.registrationsigner.api.v1.RegistrationSignerGrpc;
import io.registrationsigner.api.v1.RegistrationSignerGrpc.RegistrationSignerFutureStub;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;

/**
 * What reaches a pod from its neighbours, run inside the pod's namespace ({@link PodNamespace}):
 * the kubelet's probes, and callers through generated stubs over TLS, by the names the cluster's
 * DNS gives. Its findings are lines on stdout, which the test reads. One argument: a properties file.
 * <ul>
 * <li>{@code mode=probes}: {@code startup}, {@code liveness}, {@code readiness} (URLs),
 * {@code startup.period} and {@code startup.failures} (the probe's), one line per probe.</li>
 * <li>{@code mode=sign}: one SignRegistration to each of {@code targets} (gRPC target URIs), as
 * {@code caller} with {@code ca} (or {@code plaintext=true}), optionally {@code cert} and {@code key},
 * {@code token}, and the end user in the header {@code user-header}; a line per target.</li>
 * <li>{@code mode=load}: {@code rate} calls a second to {@code targets} (the first), at most {@code in-flight} at a time, until
 * the file {@code stop-after} exists, then for {@code linger} more ms (the endpoint's removal
 * reaching the caller), then waits for every call; a line of the status codes.</li>
 * </ul>
 */
public final class PodCaller {

    private PodCaller() {
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        try (InputStream in = new FileInputStream(args[0])) {
            p.load(in);
        }
        switch (p.getProperty("mode")) {
            case "probes" -> probes(p);
            case "sign" -> sign(p);
            case "load" -> load(p);
            default -> throw new IllegalArgumentException(p.getProperty("mode"));
        }
        System.out.flush();
        System.exit(0);
    }

    private static void probes(Properties p) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        int period = Integer.parseInt(p.getProperty("startup.period"));
        int failures = Integer.parseInt(p.getProperty("startup.failures"));
        long start = System.nanoTime();
        int status = 0;
        // As the kubelet runs a startup probe: every period, until it passes or fails failureThreshold times.
        for (int attempt = 1; attempt <= failures; attempt++) {
            status = get(http, p.getProperty("startup"));
            if (status == 200) {
                break;
            }
            Thread.sleep(period * 1000L);
        }
        System.out.printf("probe startup %d %d ms%n", status, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        System.out.printf("probe liveness %d%n", get(http, p.getProperty("liveness")));
        System.out.printf("probe readiness %d%n", get(http, p.getProperty("readiness")));
    }

    private static int get(HttpClient http, String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static void sign(Properties p) throws Exception {
        for (String target : p.getProperty("targets").split(",")) {
            ManagedChannel channel = channel(p, target);
            try {
                SignRegistrationResponse response = stub(p, channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .signRegistration(request(p, p.getProperty("user"))).get();
                System.out.printf("sign %s %s OK %s %d %s%n", p.getProperty("caller"), target, response.getUserId(),
                        response.getSequence(), response.getSignature());
            } catch (java.util.concurrent.ExecutionException e) {
                Status status = Status.fromThrowable(e.getCause());
                System.out.printf("sign %s %s FAILED %s %s%n", p.getProperty("caller"), target, status.getCode(),
                        String.valueOf(status.getDescription()).replace('\n', ' '));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static void load(Properties p) throws Exception {
        String target = p.getProperty("targets").split(",")[0];
        ManagedChannel channel = channel(p, target);
        RegistrationSignerFutureStub stub = stub(p, channel);
        Path stopAfter = Path.of(p.getProperty("stop-after"));
        long linger = Long.parseLong(p.getProperty("linger"));
        Semaphore slots = new Semaphore(Integer.parseInt(p.getProperty("in-flight")));
        List<CompletableFuture<Status.Code>> calls = new ArrayList<>();
        long stopAt = Long.MAX_VALUE;
        boolean announced = false;
        // Paced: the ConfigMap's rate limits (per caller and per user) must not be what answers.
        long interval = TimeUnit.SECONDS.toNanos(1) / Long.parseLong(p.getProperty("rate"));
        long next = System.nanoTime();
        for (int i = 0; System.nanoTime() < stopAt; i++) {
            if (stopAt == Long.MAX_VALUE && Files.exists(stopAfter)) {
                stopAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(linger);
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            next += interval;
            if (!slots.tryAcquire(10, TimeUnit.SECONDS)) {
                System.out.println("load failure no free slot for 10 s");
                continue;
            }
            CompletableFuture<Status.Code> call = new CompletableFuture<>();
            com.google.common.util.concurrent.Futures.addCallback(
                    stub.withDeadlineAfter(10, TimeUnit.SECONDS).signRegistration(request(p, "load-" + i)),
                    new com.google.common.util.concurrent.FutureCallback<SignRegistrationResponse>() {
                        @Override
                        public void onSuccess(SignRegistrationResponse response) {
                            slots.release();
                            call.complete(Status.Code.OK);
                        }

                        @Override
                        public void onFailure(Throwable t) {
                            slots.release();
                            Status status = Status.fromThrowable(t);
                            System.out.println("load failure " + status.getCode() + " " + status.getDescription());
                            call.complete(status.getCode());
                        }
                    }, com.google.common.util.concurrent.MoreExecutors.directExecutor());
            calls.add(call);
            if (!announced && i == 50) {
                announced = true;
                System.out.println("load running");
                System.out.flush();
            }
        }
        Map<Status.Code, Long> codes = new java.util.TreeMap<>();
        for (CompletableFuture<Status.Code> call : calls) {
            codes.merge(call.get(20, TimeUnit.SECONDS), 1L, Long::sum);
        }
        System.out.println("load done " + codes);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static SignRegistrationRequest request(Properties p, String user) {
        // A gateway asserts the same user in its header too (stub()).
        return SignRegistrationRequest.newBuilder().setApplicationKey(p.getProperty("application-key")).setUserId(user).build();
    }

    private static ManagedChannel channel(Properties p, String target) throws IOException {
        if (Boolean.parseBoolean(p.getProperty("plaintext"))) {
            return NettyChannelBuilder.forTarget(target).usePlaintext().defaultLoadBalancingPolicy("round_robin").build();
        }
        SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(Path.of(p.getProperty("ca")).toFile());
        if (p.getProperty("cert") != null) {
            ssl.keyManager(Path.of(p.getProperty("cert")).toFile(), Path.of(p.getProperty("key")).toFile());
        }
        return NettyChannelBuilder.forTarget(target).sslContext(ssl.build())
                .defaultLoadBalancingPolicy("round_robin").build();
    }

    private static RegistrationSignerFutureStub stub(Properties p, ManagedChannel channel) {
        Metadata headers = new Metadata();
        if (p.getProperty("token") != null) {
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + p.getProperty("token"));
        }
        if (p.getProperty("user-header") != null) {
            headers.put(Metadata.Key.of(p.getProperty("user-header"), Metadata.ASCII_STRING_MARSHALLER), p.getProperty("user"));
        }
        ClientInterceptor interceptor = MetadataUtils.newAttachHeadersInterceptor(headers);
        return RegistrationSignerGrpc.newFutureStub(channel).withInterceptors(interceptor);
    }
}
