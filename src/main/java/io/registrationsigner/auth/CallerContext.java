package io.registrationsigner.auth;

import java.util.Optional;

import io.grpc.Context;
import io.registrationsigner.credential.ClientCertificate;
import io.registrationsigner.credential.ErrorReason;
import io.registrationsigner.credential.Failure;

/**
 * Who is calling, for the duration of one call.
 *
 * @param assertedUser the end user a gateway caller asserts; always empty for other callers
 * @param certificate the client certificate that named the caller, when one did
 */
public record CallerContext(Caller caller, Optional<String> assertedUser, Optional<ClientCertificate> certificate) {

    static final Context.Key<CallerContext> KEY = Context.key("signer-caller");

    private static final CallerContext ANONYMOUS = new CallerContext(Caller.ANONYMOUS, Optional.empty(), Optional.empty());

    /**
     * The caller of the current call. Outside a call that went through {@link AuthInterceptor}
     * there is none: anonymous if anonymous callers are allowed, else empty, and the call must
     * be refused (it fails closed).
     */
    public static Optional<CallerContext> current(boolean allowAnonymous) {
        CallerContext context = KEY.get();
        return context != null ? Optional.of(context) : allowAnonymous ? Optional.of(ANONYMOUS) : Optional.empty();
    }

    /** @return why this caller may not ask for this user of this application, or empty when it may. */
    public Optional<Failure> denial(String applicationName, String userId, String userHeader) {
        if (!caller.mayUse(applicationName)) {
            return Optional.of(new Failure(ErrorReason.CALLER_NOT_ALLOWED,
                    "caller " + caller.name() + " may not use application " + applicationName));
        }
        if (caller.gateway()) {
            if (assertedUser.isEmpty()) {
                return Optional.of(new Failure(ErrorReason.END_USER_NOT_ASSERTED, "caller " + caller.name()
                        + " is a gateway: it must assert the end user in the " + userHeader + " metadata header"));
            }
            if (!assertedUser.get().equals(userId)) {
                return Optional.of(new Failure(ErrorReason.END_USER_NOT_ASSERTED, "caller " + caller.name()
                        + " is a gateway: user_id must be the end user it asserts in " + userHeader));
            }
        }
        return Optional.empty();
    }
}
