package io.registrationsigner.grpc;

import java.util.Optional;

import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.registrationsigner.api.v1.RegistrationSigner;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.application.Application;
import io.registrationsigner.application.Applications;
import io.registrationsigner.metrics.CredentialMetrics;
import io.registrationsigner.sequence.SequenceStore;
import io.registrationsigner.signing.ApplicationKeys;
import io.registrationsigner.signing.LegacySignature;
import io.registrationsigner.signing.UserIds;
import io.smallrye.mutiny.Uni;

/** signer.v1.RegistrationSigner: runs on the event loop; the only I/O is one non-blocking Redis INCR. */
@GrpcService
public class RegistrationSignerService implements RegistrationSigner {

    static final String LEGACY = "legacy";

    private final Applications applications;
    private final SequenceStore sequences;
    private final CredentialMetrics metrics;

    RegistrationSignerService(Applications applications, SequenceStore sequences, CredentialMetrics metrics) {
        this.applications = applications;
        this.sequences = sequences;
        this.metrics = metrics;
    }

    @Override
    public Uni<SignRegistrationResponse> signRegistration(SignRegistrationRequest request) {
        long start = System.nanoTime();
        Application application;
        try {
            application = application(request.getApplicationKey());
        } catch (StatusRuntimeException e) {
            return rejected(CredentialMetrics.NO_APPLICATION, e, start);
        }
        String userId = request.getUserId();
        Optional<String> problem = UserIds.problem(userId);
        if (problem.isPresent()) {
            return rejected(application.name(), GrpcErrors.invalidArgument(problem.get()), start);
        }
        return sequences.next(application.key(), userId)
                .map(sequence -> SignRegistrationResponse.newBuilder()
                        .setUserId(userId)
                        .setApplicationKey(application.key())
                        .setSequence(sequence)
                        .setSignature(LegacySignature.sign(userId, application.key(), sequence, application.secret()))
                        .build())
                .onFailure().transform(GrpcErrors::toStatus)
                .onItemOrFailure().invoke((response, failure) -> metrics.record(application.name(), LEGACY,
                        GrpcErrors.codeOf(failure), start));
    }

    /** The application a request names, or the only one when it names none. */
    private Application application(String applicationKey) {
        if (applicationKey.isEmpty()) {
            return applications.onlyOne().orElseThrow(() -> GrpcErrors.invalidArgument(
                    "application_key is required: this service holds more than one application"));
        }
        ApplicationKeys.problem(applicationKey).ifPresent(problem -> {
            throw GrpcErrors.invalidArgument(problem);
        });
        return applications.byKey(applicationKey).orElseThrow(() -> GrpcErrors.notFound(
                "unknown application_key " + applicationKey + ": this service holds no such application"));
    }

    private <T> Uni<T> rejected(String applicationName, StatusRuntimeException status, long start) {
        metrics.record(applicationName, LEGACY, status.getStatus().getCode(), start);
        return Uni.createFrom().failure(status);
    }
}
