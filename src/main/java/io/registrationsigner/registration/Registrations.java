package io.registrationsigner.registration;

import static io.registrationsigner.credential.ErrorReason.APPLICATION_KEY_INVALID;
import static io.registrationsigner.credential.ErrorReason.APPLICATION_KEY_REQUIRED;
import static io.registrationsigner.credential.ErrorReason.APPLICATION_UNKNOWN;
import static io.registrationsigner.credential.ErrorReason.CREDENTIAL_REQUIRED;
import static io.registrationsigner.credential.ErrorReason.DEADLINE_PASSED;
import static io.registrationsigner.credential.ErrorReason.INSTANCE_TTL_OUT_OF_RANGE;
import static io.registrationsigner.credential.ErrorReason.TOKEN_TOO_LONG;
import static io.registrationsigner.credential.ErrorReason.TOKEN_TTL_OUT_OF_RANGE;
import static io.registrationsigner.credential.ErrorReason.USER_ID_INVALID;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;

import jakarta.inject.Singleton;

import io.registrationsigner.application.Application;
import io.registrationsigner.application.Applications;
import io.registrationsigner.audit.AuditLog;
import io.registrationsigner.auth.AuthConfig;
import io.registrationsigner.auth.Caller;
import io.registrationsigner.auth.CallerContext;
import io.registrationsigner.credential.CredentialEvent;
import io.registrationsigner.credential.ErrorReason;
import io.registrationsigner.credential.Failure;
import io.registrationsigner.credential.Outcome;
import io.registrationsigner.credential.Scheme;
import io.registrationsigner.metrics.CredentialMetrics;
import io.registrationsigner.ratelimit.RateLimiter;
import io.registrationsigner.sequence.SequenceStore;
import io.registrationsigner.signing.ApplicationKeys;
import io.registrationsigner.signing.LegacySignature;
import io.registrationsigner.signing.RegistrationTokens;
import io.registrationsigner.signing.UserIds;
import io.registrationsigner.signing.Verification;
import io.registrationsigner.token.TokenPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

/**
 * The flow of every credential request, free of gRPC: find the application, check the user id
 * and what the caller may ask, spend the rate-limit budgets, take the sequence or the time, sign,
 * and record the outcome (metrics, audit). Failures are {@link Failure}s with the outcome the
 * caller sees, or the Redis and rate-limit exceptions; everything runs on the caller's thread,
 * the only I/O being Redis.
 */
@Singleton
public class Registrations {

    private final Applications applications;
    private final SequenceStore sequences;
    private final RateLimiter rateLimiter;
    private final TokenPolicy tokenPolicy;
    private final Clock clock;
    private final CredentialMetrics metrics;
    private final AuditLog audit;
    private final String userHeader;

    Registrations(Applications applications, SequenceStore sequences, RateLimiter rateLimiter, TokenPolicy tokenPolicy,
            Clock clock, CredentialMetrics metrics, AuditLog audit, AuthConfig auth) {
        this.applications = applications;
        this.sequences = sequences;
        this.rateLimiter = rateLimiter;
        this.tokenPolicy = tokenPolicy;
        this.clock = clock;
        this.metrics = metrics;
        this.audit = audit;
        this.userHeader = auth.userHeader();
    }

    /** The next sequence of the user and its legacy signature. */
    public Uni<SignedRegistration> sign(CredentialRequest request) {
        long start = System.nanoTime();
        String userId = request.userId();
        return forUser(request,
                (caller, application, signed, failure) -> recordIssued(caller, application, userId, Scheme.LEGACY,
                        signed == null ? null : Long.toString(signed.sequence()), failure, start),
                (application, caller) -> rateLimiter.spend(caller.name(), application.key(), userId)
                        .chain(() -> sequences.next(application.key(), userId))
                        .map(sequence -> new SignedRegistration(userId, application.key(), sequence,
                                LegacySignature.sign(userId, application.key(), sequence, application.secret()))));
    }

    /**
     * A registration token.
     *
     * @param tokenTtl the token's lifetime, default {@code signer.token.default-ttl}
     * @param instanceTtl the SDK instance's lifetime, if the caller sets one
     */
    public Uni<RegistrationTokens.IssuedToken> issueToken(CredentialRequest request, Optional<Lifetime> tokenTtl,
            Optional<Lifetime> instanceTtl) {
        long start = System.nanoTime();
        String userId = request.userId();
        String nonce = UUID.randomUUID().toString();
        return forUser(request,
                (caller, application, token, failure) -> recordIssued(caller, application, userId, Scheme.JWT,
                        token == null ? null : nonce, failure, start),
                (application, caller) -> {
                    Duration ttl = wholeSeconds(tokenTtl.orElseGet(() -> Lifetime.of(tokenPolicy.defaultTtl())),
                            TOKEN_TTL_OUT_OF_RANGE);
                    refuse(tokenPolicy.tokenTtlProblem(ttl), TOKEN_TTL_OUT_OF_RANGE);
                    Optional<Duration> instance = instanceTtl.map(given -> wholeSeconds(given, INSTANCE_TTL_OUT_OF_RANGE));
                    refuse(instance.flatMap(tokenPolicy::instanceTtlProblem), INSTANCE_TTL_OUT_OF_RANGE);
                    return rateLimiter.spend(caller.name(), application.key(), userId).map(spent -> {
                        Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
                        return RegistrationTokens.issue(application.secret(), new RegistrationTokens.Claims(
                                application.key(), userId, now, now.plus(ttl), nonce, instance.map(now::plus)));
                    });
                });
    }

    /** Whether the credential is valid for the user and, when not, why. Budgeted like the credentials: it is a signature oracle. */
    public Uni<Verification> verify(CredentialRequest request, Optional<Credential> credential) {
        Scheme scheme = credential.orElse(null) instanceof Credential.Token ? Scheme.JWT : Scheme.LEGACY;
        return forUser(request,
                (caller, application, verification, failure) -> metrics.recordVerified(application, scheme,
                        failure != null ? Outcome.of(failure).tag()
                                : verification.valid() ? CredentialMetrics.VALID : CredentialMetrics.INVALID),
                (application, caller) -> {
                    Credential given = credential.orElseThrow(() -> new Failure(CREDENTIAL_REQUIRED,
                            "a credential is required: set legacy (sequence and signature) or token"));
                    if (given instanceof Credential.Token token && token.token().length() > RegistrationTokens.MAX_TOKEN_LENGTH) {
                        throw new Failure(TOKEN_TOO_LONG, "token is longer than " + RegistrationTokens.MAX_TOKEN_LENGTH
                                + " characters: no registration token is");
                    }
                    return rateLimiter.spend(caller.name(), application.key(), request.userId()).map(spent -> {
                        Instant now = clock.instant();
                        Verification verification = verify(given, application.key(), request.userId(), application.secret(), now);
                        if (verification.valid()) {
                            return verification;
                        }
                        // Within its grace period, a replaced secret still vouches for what it signed.
                        return applications.previousSecret(application.key())
                                .map(previous -> verify(given, application.key(), request.userId(), previous, now))
                                .filter(Verification::valid)
                                .orElse(verification);
                    });
                });
    }

    private static Verification verify(Credential credential, String applicationKey, String userId, String secret,
            Instant now) {
        if (credential instanceof Credential.Legacy legacy) {
            return LegacySignature.verify(userId, applicationKey, legacy.sequence(), secret, legacy.signature());
        }
        return RegistrationTokens.verify(((Credential.Token) credential).token(), applicationKey, secret, userId, now);
    }

    /**
     * Resolves the application, checks the user id and whether the caller may ask for this user of
     * this application, then runs {@code step} within the caller's deadline. Every outcome, refused
     * or not, reaches {@code recorder} before the caller.
     */
    private <T> Uni<T> forUser(CredentialRequest request, Recorder<T> recorder, Step<T> step) {
        CallerContext caller = request.caller();
        Application application;
        try {
            application = application(request.applicationKey());
        } catch (Failure e) {
            recorder.record(caller, CredentialMetrics.NO_APPLICATION, null, e);
            return Uni.createFrom().<T>failure(e).emitOn(audit.whenWritten());
        }
        Uni<T> result;
        try {
            refuse(UserIds.problem(request.userId()), USER_ID_INVALID);
            Optional<Failure> denial = request.caller().denial(application.name(), request.userId(), userHeader);
            if (denial.isPresent()) {
                throw denial.get();
            }
            result = step.run(application, caller.caller());
        } catch (RuntimeException e) {
            result = Uni.createFrom().failure(e);
        }
        return withinDeadline(result, request.timeLeft())
                // Recorded on the call's own Vert.x context, which holds its trace and log context,
                // whichever thread or context ended it (the deadline's timer, say).
                .emitOn(onContextOf(Vertx.currentContext()))
                .onItemOrFailure().invoke((item, failure) -> recorder.record(caller, application.name(), item, failure))
                // Answered only once the audit line is written.
                .emitOn(audit.whenWritten());
    }

    /**
     * Ends the call at the caller's deadline when that comes before the Redis timeout, so that it
     * is recorded as what the caller saw rather than as a Redis failure later. A deadline already
     * passed starts nothing: {@code result} is never subscribed.
     */
    private static <T> Uni<T> withinDeadline(Uni<T> result, Optional<Duration> timeLeft) {
        if (timeLeft.isEmpty()) {
            return result;
        }
        if (timeLeft.get().isNegative() || timeLeft.get().isZero()) {
            return Uni.createFrom().failure(deadlinePassed());
        }
        return result.ifNoItem().after(timeLeft.get()).failWith(Registrations::deadlinePassed);
    }

    /** Runs tasks on {@code context}: at once when already on it. */
    private static Executor onContextOf(Context context) {
        if (!(context instanceof ContextInternal call)) {
            return Runnable::run;
        }
        return task -> {
            if (Vertx.currentContext() == call) {
                task.run();
            } else {
                call.emit(ignored -> task.run());
            }
        };
    }

    private static Failure deadlinePassed() {
        return new Failure(DEADLINE_PASSED, "the caller's deadline passed");
    }

    /** The application a request names, or the only one when it names none. */
    private Application application(String applicationKey) {
        if (applicationKey.isEmpty()) {
            return applications.onlyOne().orElseThrow(() -> new Failure(APPLICATION_KEY_REQUIRED,
                    "application_key is required: this service holds more than one application"));
        }
        refuse(ApplicationKeys.problem(applicationKey), APPLICATION_KEY_INVALID);
        return applications.byKey(applicationKey).orElseThrow(() -> new Failure(APPLICATION_UNKNOWN,
                "unknown application_key " + applicationKey + ": this service holds no such application",
                Map.of("application_key", applicationKey)));
    }

    /** JWT times are whole seconds; a negative lifetime is no lifetime. */
    private static Duration wholeSeconds(Lifetime lifetime, ErrorReason outOfRange) {
        String problem = lifetime.problem();
        if (problem != null) {
            throw new Failure(outOfRange, problem);
        }
        if (lifetime.isNegative()) {
            throw new Failure(outOfRange, "durations must not be negative");
        }
        return Duration.ofSeconds(lifetime.seconds());
    }

    private static void refuse(Optional<String> problem, ErrorReason reason) {
        if (problem.isPresent()) {
            throw new Failure(reason, problem.get());
        }
    }

    private void recordIssued(CallerContext caller, String application, String userId, Scheme scheme, String credentialId,
            Throwable failure, long startNanos) {
        CredentialEvent event = new CredentialEvent(caller.caller().name(), caller.certificate().orElse(null), application,
                userId, scheme, credentialId, Outcome.of(failure), Duration.ofNanos(System.nanoTime() - startNanos));
        metrics.recordIssued(event);
        audit.record(event);
    }

    @FunctionalInterface
    private interface Step<T> {
        Uni<T> run(Application application, Caller caller);
    }

    @FunctionalInterface
    private interface Recorder<T> {
        void record(CallerContext caller, String applicationName, T itemOrNull, Throwable failureOrNull);
    }
}
