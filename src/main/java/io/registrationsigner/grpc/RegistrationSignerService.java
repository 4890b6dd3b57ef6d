package io.registrationsigner.grpc;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.grpc.Context;
import io.quarkus.grpc.GrpcService;
import io.registrationsigner.api.v1.IssueRegistrationTokenRequest;
import io.registrationsigner.api.v1.IssueRegistrationTokenResponse;
import io.registrationsigner.api.v1.RegistrationSigner;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.api.v1.VerificationFailure;
import io.registrationsigner.api.v1.VerifyRegistrationResponse;
import io.registrationsigner.auth.CallerContext;
import io.registrationsigner.auth.Callers;
import io.registrationsigner.credential.Failure;
import io.registrationsigner.credential.ErrorReason;
import io.registrationsigner.grpc.status.GrpcErrors;
import io.registrationsigner.registration.Credential;
import io.registrationsigner.registration.CredentialRequest;
import io.registrationsigner.registration.Lifetime;
import io.registrationsigner.registration.Registrations;
import io.registrationsigner.signing.Verification;
import io.smallrye.mutiny.Uni;

/**
 * signer.v1.RegistrationSigner: protobuf in, protobuf out, over {@link Registrations}, which holds
 * the flow. Runs on the event loop: the only I/O is Redis, non-blocking.
 */
@GrpcService
public class RegistrationSignerService implements RegistrationSigner {

    private final Registrations registrations;
    private final Callers callers;

    RegistrationSignerService(Registrations registrations, Callers callers) {
        this.registrations = registrations;
        this.callers = callers;
    }

    @Override
    public Uni<SignRegistrationResponse> signRegistration(SignRegistrationRequest request) {
        return answer(request.getApplicationKey(), request.getUserId(), call -> registrations.sign(call)
                .map(signed -> SignRegistrationResponse.newBuilder()
                        .setUserId(signed.userId())
                        .setApplicationKey(signed.applicationKey())
                        .setSequence(signed.sequence())
                        .setSignature(signed.signature())
                        .build()));
    }

    @Override
    public Uni<IssueRegistrationTokenResponse> issueRegistrationToken(IssueRegistrationTokenRequest request) {
        Optional<Lifetime> tokenTtl = request.hasTokenTtl() ? Optional.of(lifetime(request.getTokenTtl())) : Optional.empty();
        Optional<Lifetime> instanceTtl = request.hasInstanceTtl() ? Optional.of(lifetime(request.getInstanceTtl()))
                : Optional.empty();
        return answer(request.getApplicationKey(), request.getUserId(), call -> registrations
                .issueToken(call, tokenTtl, instanceTtl)
                .map(token -> IssueRegistrationTokenResponse.newBuilder()
                        .setToken(token.token())
                        .setKeyId(token.keyId())
                        .setExpiresAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(token.expiresAt().getEpochSecond()))
                        .build()));
    }

    @Override
    public Uni<VerifyRegistrationResponse> verifyRegistration(VerifyRegistrationRequest request) {
        Optional<Credential> credential = switch (request.getCredentialCase()) {
            case LEGACY -> Optional.of(new Credential.Legacy(request.getLegacy().getSequence(), request.getLegacy().getSignature()));
            case TOKEN -> Optional.of(new Credential.Token(request.getToken()));
            case CREDENTIAL_NOT_SET -> Optional.empty();
        };
        return answer(request.getApplicationKey(), request.getUserId(), call -> registrations.verify(call, credential)
                .map(verification -> VerifyRegistrationResponse.newBuilder()
                        .setValid(verification.valid())
                        .setReason(verification.reason())
                        .setFailure(failure(verification))
                        .build()));
    }

    private static VerificationFailure failure(Verification verification) {
        if (verification.valid()) {
            return VerificationFailure.VERIFICATION_FAILURE_UNSPECIFIED;
        }
        return switch (verification.problem()) {
            case MALFORMED -> VerificationFailure.VERIFICATION_FAILURE_MALFORMED;
            case WRONG_APPLICATION -> VerificationFailure.VERIFICATION_FAILURE_WRONG_APPLICATION;
            case WRONG_SUBJECT -> VerificationFailure.VERIFICATION_FAILURE_WRONG_SUBJECT;
            case WRONG_KEY_ID_DATE -> VerificationFailure.VERIFICATION_FAILURE_WRONG_KEY_ID_DATE;
            case WRONG_SIGNATURE -> VerificationFailure.VERIFICATION_FAILURE_WRONG_SIGNATURE;
            case EXPIRED -> VerificationFailure.VERIFICATION_FAILURE_EXPIRED;
            case NOT_YET_VALID -> VerificationFailure.VERIFICATION_FAILURE_NOT_YET_VALID;
        };
    }

    /**
     * Runs the flow for the caller that AuthInterceptor put into the call's context, with the
     * caller's deadline. Built here, in the call's gRPC context; nothing reaches Redis before the
     * subscription.
     */
    private <T> Uni<T> answer(String applicationKey, String userId, Function<CredentialRequest, Uni<T>> flow) {
        Optional<CallerContext> caller = CallerContext.current(callers.allowAnonymous());
        Uni<T> result = caller.isEmpty()
                ? Uni.createFrom().failure(new Failure(ErrorReason.NO_CREDENTIAL, "no authenticated caller"))
                : flow.apply(new CredentialRequest(caller.get(), applicationKey, userId, timeLeft()));
        return result.onFailure().transform(GrpcErrors::toStatus);
    }

    private static Optional<Duration> timeLeft() {
        // grpc-java's server puts the caller's grpc-timeout into the call's context.
        return Optional.ofNullable(Context.current().getDeadline())
                .map(deadline -> Duration.ofNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS)));
    }

    /** As sent, unchecked: the flow refuses what is no valid duration, or negative, with an audit line. */
    private static Lifetime lifetime(com.google.protobuf.Duration duration) {
        return new Lifetime(duration.getSeconds(), duration.getNanos());
    }
}
