package io.registrationsigner.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;

import io.grpc.Status;
import io.registrationsigner.api.v1.RegistrationSignerGrpc.RegistrationSignerFutureStub;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;

/** SignRegistration calls in flight through generated stubs, each outcome kept: the tests' load. */
public final class Load {

    private Load() {
    }

    /** One call's outcome; {@code sequence} is 0 unless it succeeded with a valid signature. */
    public record Result(String userId, Status.Code code, long sequence, long startNanos, long endNanos, String description) {

        public boolean ok() {
            return code == Status.Code.OK;
        }

        public Duration took() {
            return Duration.ofNanos(endNanos - startNanos);
        }
    }

    /** Completes with the outcome, never exceptionally. The signature is checked against the secret. */
    public static CompletableFuture<Result> sign(RegistrationSignerFutureStub stub, String userId, Duration deadline) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        long start = System.nanoTime();
        Futures.addCallback(stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).signRegistration(
                SignRegistrationRequest.newBuilder().setApplicationKey(TestApplication.VECTOR.key()).setUserId(userId).build()),
                new FutureCallback<SignRegistrationResponse>() {
                    @Override
                    public void onSuccess(SignRegistrationResponse response) {
                        long end = System.nanoTime();
                        boolean valid = response.getSignature().equals(Signatures.expected(userId,
                                TestApplication.VECTOR.key(), response.getSequence(), TestApplication.VECTOR.secret()));
                        result.complete(valid
                                ? new Result(userId, Status.Code.OK, response.getSequence(), start, end, "")
                                : new Result(userId, Status.Code.DATA_LOSS, 0, start, end, "invalid signature"));
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        Status status = Status.fromThrowable(t);
                        result.complete(new Result(userId, status.getCode(), 0, start, System.nanoTime(),
                                String.valueOf(status.getDescription())));
                    }
                }, MoreExecutors.directExecutor());
        return result;
    }

    /** {@code calls} calls, at most {@code inFlight} at a time; call i goes to stubs(i) for users(i). */
    public static List<Result> run(int calls, int inFlight, IntFunction<RegistrationSignerFutureStub> stubs,
            IntFunction<String> users, Duration deadline) throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        List<CompletableFuture<Result>> results = new ArrayList<>(calls);
        for (int i = 0; i < calls; i++) {
            slots.acquire();
            results.add(sign(stubs.apply(i), users.apply(i), deadline).whenComplete((r, t) -> slots.release()));
        }
        return results.stream().map(CompletableFuture::join).toList();
    }

    /** Successful sequences handed out more than once to the same user: must be 0. */
    public static int duplicates(Collection<Result> results) {
        Map<String, Set<Long>> seen = new HashMap<>();
        int duplicates = 0;
        for (Result result : results) {
            if (result.ok() && !seen.computeIfAbsent(result.userId(), u -> new HashSet<>()).add(result.sequence())) {
                duplicates++;
            }
        }
        return duplicates;
    }

    /** Status codes and how many calls ended with each. */
    public static Map<Status.Code, Integer> codes(Collection<Result> results) {
        Map<Status.Code, Integer> codes = new HashMap<>();
        results.forEach(r -> codes.merge(r.code(), 1, Integer::sum));
        return codes;
    }
}
