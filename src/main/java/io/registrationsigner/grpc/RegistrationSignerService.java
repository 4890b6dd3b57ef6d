package io.registrationsigner.grpc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.RegisterInterceptor;
import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.IssueRegistrationTokenResponse;
import io.registrationsigner.api.v1.RegistrationSigner;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.api.v1.VerifyRegistrationResponse;
import io.registrationsigner.application.Application;
import io.registrationsigner.application.Applications;
import io.registrationsigner.audit.AuditLog;
import io.registrationsigner.auth.AuthInterceptor;
import io.registrationsigner.auth.Caller;
import io.registrationsigner.auth.CallerContext;
import io.registrationsigner.auth.Callers;
import io.registrationsigner.metrics.CredentialMetrics;
import io.registrationsigner.ratelimit.RateLimiter;
import io.registrationsigner.sequence.SequenceStore;
import io.registrationsigner.signing.ApplicationKeys;
import io.registrationsigner.signing.LegacySignature;
import io.registrationsigner.signing.RegistrationTokens;
import io.registrationsigner.signing.UserIds;
import io.registrationsigner.signing.Verification;
import io.registrationsigner.token.TokenPolicy;
import io.registrationsigner.transport.DeadlineInterceptor;
import io.registrationsigner.transport.InFlightCalls;
import io.smallrye.mutiny.Uni;

/**
 * signer.v1.RegistrationSigner. Runs on the event loop: the only I/O is SignRegistration's one
 * non-blocking Redis INCR; tokens and verifications are computed in memory.
 */
@GrpcService
@RegisterInterceptor(DeadlineInterceptor.class)
public class RegistrationSignerService implements RegistrationSigner {

    static final String LEGACY = "legacy";
    static final String JWT = "jwt";

    private final Applications applications;
    private final AuthInterceptor auth;
    private final Callers callers;
    private final SequenceStore sequences;
    private final RateLimiter rateLimiter;
    private final TokenPolicy tokenPolicy;
    private final Clock clock;
    private final CredentialMetrics metrics;
    private final AuditLog audit;
    private final InFlightCalls inFlight;

    RegistrationSignerService(Applications applications, AuthInterceptor auth, Callers callers, SequenceStore sequences,
            RateLimiter rateLimiter, TokenPolicy tokenPolicy, Clock clock, CredentialMetrics metrics, AuditLog audit,
            InFlightCalls inFlight) {
        this.inFlight = inFlight;
        this.audit = audit;
        this.rateLimiter = rateLimiter;
        this.applications = applications;
        this.auth = auth;
        this.callers = callers;
        this.sequences = sequences;
        this.tokenPolicy = tokenPolicy;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public Uni<SignRegistrationResponse> signRegistration(SignRegistrationRequest request) {
        long start = System.nanoTime();
        String userId = request.getUserId();
        return forUser(request.getApplicationKey(), userId, (caller, application, response, failure) -> {
            metrics.recordIssued(application, LEGACY, outcome(failure), start);
            audit.record(caller.name(), application, userId, LEGACY,
                    response == null ? null : Long.toString(response.getSequence()), outcome(failure));
        },
                (application, caller) -> rateLimiter.spend(caller.name(), application.key(), userId)
                        .chain(() -> sequences.next(application.key(), userId))
                        .map(sequence -> SignRegistrationResponse.newBuilder()
                                .setUserId(userId)
                                .setApplicationKey(application.key())
                                .setSequence(sequence)
                                .setSignature(LegacySignature.sign(userId, application.key(), sequence,
                                        application.secret()))
                                .build()));
    }

    @Override
    public Uni<IssueRegistrationTokenResponse> issueRegistrationToken(IssueRegistrationTokenRequest request) {
        long start = System.nanoTime();
        String userId = request.getUserId();
        String nonce = UUID.randomUUID().toString();
        return forUser(request.getApplicationKey(), userId, (caller, application, response, failure) -> {
            metrics.recordIssued(application, JWT, outcome(failure), start);
            audit.record(caller.name(), application, userId, JWT, response == null ? null : nonce, outcome(failure));
        },
                (application, caller) -> {
                    Duration ttl = request.hasTokenTtl() ? duration(request.getTokenTtl()) : tokenPolicy.defaultTtl();
                    tokenPolicy.tokenTtlProblem(ttl).ifPresent(GrpcErrors::throwInvalidArgument);
                    Optional<Duration> instanceTtl = request.hasInstanceTtl()
                            ? Optional.of(duration(request.getInstanceTtl()))
                            : Optional.empty();
                    instanceTtl.flatMap(tokenPolicy::instanceTtlProblem).ifPresent(GrpcErrors::throwInvalidArgument);

                    return rateLimiter.spend(caller.name(), application.key(), userId).map(spent -> {
                        Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
                        RegistrationTokens.IssuedToken token = RegistrationTokens.issue(application.secret(),
                                new RegistrationTokens.Claims(application.key(), userId, now, now.plus(ttl),
                                        nonce, instanceTtl.map(now::plus)));
                        return IssueRegistrationTokenResponse.newBuilder()
                                .setToken(token.token())
                                .setKeyId(token.keyId())
                                .setExpiresAt(com.google.protobuf.Timestamp.newBuilder()
                                        .setSeconds(token.expiresAt().getEpochSecond()))
                                .build();
                    });
                });
    }

    @Override
    public Uni<VerifyRegistrationResponse> verifyRegistration(VerifyRegistrationRequest request) {
        String userId = request.getUserId();
        String scheme = request.hasToken() ? JWT : LEGACY;
        return forUser(request.getApplicationKey(), userId, (caller, application, response, failure) -> metrics.recordVerified(
                application, scheme, failure != null ? outcome(failure)
                        : response.getValid() ? CredentialMetrics.VALID : CredentialMetrics.INVALID),
                (application, caller) -> {
                    credentialProblem(request).ifPresent(GrpcErrors::throwInvalidArgument);
                    // An answer says whether a signature is right: budgeted like the credentials themselves.
                    return rateLimiter.spend(caller.name(), application.key(), userId).map(spent -> {
                        Instant now = clock.instant();
                        Verification verification = verify(request, application.key(), application.secret(), now);
                        if (!verification.valid()) {
                            // Within its grace period, a replaced secret still vouches for what it signed.
                            verification = applications.previousSecret(application.key())
                                    .map(previous -> verify(request, application.key(), previous, now))
                                    .filter(Verification::valid)
                                    .orElse(verification);
                        }
                        return VerifyRegistrationResponse.newBuilder()
                                .setValid(verification.valid())
                                .setReason(verification.reason())
                                .build();
                    });
                });
    }

    private static Optional<String> credentialProblem(VerifyRegistrationRequest request) {
        return switch (request.getCredentialCase()) {
            case LEGACY -> Optional.empty();
            case TOKEN -> request.getToken().length() > RegistrationTokens.MAX_TOKEN_LENGTH
                    ? Optional.of("token is longer than " + RegistrationTokens.MAX_TOKEN_LENGTH
                            + " characters: no registration token is")
                    : Optional.empty();
            case CREDENTIAL_NOT_SET -> Optional.of("a credential is required: set legacy (sequence and signature) or token");
        };
    }

    private static Verification verify(VerifyRegistrationRequest request, String applicationKey, String secret,
            Instant now) {
        return switch (request.getCredentialCase()) {
            case LEGACY -> LegacySignature.verify(request.getUserId(), applicationKey, request.getLegacy().getSequence(),
                    secret, request.getLegacy().getSignature());
            case TOKEN -> RegistrationTokens.verify(request.getToken(), applicationKey, secret, request.getUserId(), now);
            case CREDENTIAL_NOT_SET -> throw new IllegalStateException("checked by credentialProblem");
        };
    }

    /**
     * Resolves the application, checks the user id and whether the caller may ask for this user of
     * this application, then runs {@code call}. Every outcome, rejected or not, is reported to
     * {@code outcome}, and every failure reaches the caller as an explicit status.
     */
    private <T> Uni<T> forUser(String applicationKey, String userId, Outcome<T> outcome, Call<T> call) {
        // Built here, in the call's gRPC context; nothing reaches Redis before the tracked subscription.
        return inFlight.track(answer(applicationKey, userId, outcome, call));
    }

    private <T> Uni<T> answer(String applicationKey, String userId, Outcome<T> outcome, Call<T> call) {
        Optional<CallerContext> authenticated = CallerContext.current(callers.allowAnonymous());
        if (authenticated.isEmpty()) {
            return Uni.createFrom().failure(Status.UNAUTHENTICATED.withDescription("no authenticated caller").asRuntimeException());
        }
        CallerContext caller = authenticated.get();
        Application application;
        try {
            application = application(applicationKey);
        } catch (StatusRuntimeException e) {
            outcome.record(caller.caller(), CredentialMetrics.NO_APPLICATION, null, e);
            return Uni.createFrom().failure(e);
        }
        Uni<T> result;
        try {
            UserIds.problem(userId).ifPresent(GrpcErrors::throwInvalidArgument);
            caller.denial(application.name(), userId, auth.userHeaderName()).ifPresent(GrpcErrors::throwPermissionDenied);
            result = call.run(application, caller.caller());
        } catch (RuntimeException e) {
            result = Uni.createFrom().failure(e);
        }
        return withinDeadline(result)
                .onFailure().transform(GrpcErrors::toStatus)
                .onItemOrFailure().invoke((item, failure) -> outcome.record(caller.caller(), application.name(), item, failure));
    }

    /**
     * Ends the call at the caller's deadline when that comes before the Redis timeout, so that it
     * is recorded (metrics, audit) as what the caller saw rather than as a Redis failure later.
     */
    private static <T> Uni<T> withinDeadline(Uni<T> result) {
        Optional<Deadline> caller = DeadlineInterceptor.current();
        if (caller.isEmpty()) {
            return result;
        }
        long remaining = caller.get().timeRemaining(TimeUnit.NANOSECONDS);
        if (remaining <= 0) {
            // A zero or expired grpc-timeout: nothing is started for it (result is not subscribed).
            return Uni.createFrom().failure(deadlinePassed());
        }
        return result.ifNoItem().after(Duration.ofNanos(remaining)).failWith(RegistrationSignerService::deadlinePassed);
    }

    private static StatusRuntimeException deadlinePassed() {
        return Status.DEADLINE_EXCEEDED.withDescription("the caller's deadline passed").asRuntimeException();
    }

    /** The application a request names, or the only one when it names none. */
    private Application application(String applicationKey) {
        if (applicationKey.isEmpty()) {
            return applications.onlyOne().orElseThrow(() -> GrpcErrors.invalidArgument(
                    "application_key is required: this service holds more than one application"));
        }
        ApplicationKeys.problem(applicationKey).ifPresent(GrpcErrors::throwInvalidArgument);
        return applications.byKey(applicationKey).orElseThrow(() -> GrpcErrors.notFound(
                "unknown application_key " + applicationKey + ": this service holds no such application"));
    }

    private static Duration duration(com.google.protobuf.Duration duration) {
        if (duration.getSeconds() < 0 || duration.getNanos() < 0) {
            throw GrpcErrors.invalidArgument("durations must not be negative");
        }
        // JWT times are whole seconds.
        return Duration.ofSeconds(duration.getSeconds());
    }

    private static String outcome(Throwable failure) {
        return CredentialMetrics.outcome(GrpcErrors.codeOf(failure));
    }

    @FunctionalInterface
    private interface Call<T> {
        Uni<T> run(Application application, Caller caller);
    }

    @FunctionalInterface
    private interface Outcome<T> {
        void record(Caller caller, String applicationName, T itemOrNull, Throwable failureOrNull);
    }
}
