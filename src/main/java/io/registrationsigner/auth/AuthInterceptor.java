package io.registrationsigner.auth;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import jakarta.enterprise.context.ApplicationScoped;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import io.registrationsigner.credential.ClientCertificate;
import io.registrationsigner.credential.Failure;
import io.registrationsigner.credential.ErrorReason;
import io.registrationsigner.grpc.status.GrpcErrors;

/**
 * Authenticates every call but gRPC health's, reflection included (it describes the contract to
 * anyone who asks): a bearer token in {@code authorization}, else the TLS client certificate, else
 * (only when allowed, as in dev mode) anonymous. A call that fails here ends with UNAUTHENTICATED
 * (PERMISSION_DENIED when a gateway asserts several end users) before any service sees it, and
 * is counted and logged by {@link AuthFailures}.
 */
@GlobalInterceptor
@ApplicationScoped
public class AuthInterceptor implements ServerInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "Bearer ";
    /** Far above any token worth having; what is hashed before authentication stays small. */
    static final int MAX_TOKEN_LENGTH = 512;

    /** Answered without a caller: Kubernetes' gRPC probes and load balancers ask it. */
    static final String HEALTH_SERVICE = "grpc.health.v1.Health";

    private final Callers callers;
    private final AuthFailures failures;
    private final Metadata.Key<String> userHeader;
    private final String userHeaderName;

    AuthInterceptor(Callers callers, AuthFailures failures, AuthConfig config) {
        this.callers = callers;
        this.failures = failures;
        this.userHeaderName = config.userHeader();
        this.userHeader = Metadata.Key.of(config.userHeader(), Metadata.ASCII_STRING_MARSHALLER);
    }

    public String userHeaderName() {
        return userHeaderName;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (HEALTH_SERVICE.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        CallerContext authenticated;
        try {
            Optional<X509Certificate> certificate = Optional.empty();
            Caller caller = byToken(headers);
            if (caller == null) {
                certificate = clientCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                caller = byCertificateOrAnonymous(certificate);
            }
            authenticated = new CallerContext(caller, caller.gateway() ? assertedUser(caller, headers) : Optional.empty(),
                    certificate.map(ClientCertificate::of));
        } catch (Failure e) {
            failures.record(e.reason(), e.getMessage(), call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return GrpcErrors.refuse(call, GrpcErrors.toStatus(e));
        }
        Context context = Context.current().withValue(CallerContext.KEY, authenticated);
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** The one end user a gateway asserts; several are refused, not resolved by taking one. */
    private Optional<String> assertedUser(Caller caller, Metadata headers) {
        List<String> values = values(headers, userHeader);
        if (values.size() > 1) {
            throw new Failure(ErrorReason.AMBIGUOUS_END_USER, "caller " + caller.name()
                    + " is a gateway: it must assert exactly one end user in " + userHeaderName + ", it sent " + values.size());
        }
        return values.stream().findFirst();
    }

    /** The caller of the bearer token, if one was sent; null when none was. */
    private Caller byToken(Metadata headers) {
        List<String> authorizations = values(headers, AUTHORIZATION);
        if (authorizations.size() > 1) {
            throw new Failure(ErrorReason.MALFORMED_AUTHORIZATION, "send one authorization metadata entry, not "
                    + authorizations.size());
        }
        if (authorizations.isEmpty()) {
            return null;
        }
        return callers.byToken(bearerToken(authorizations.get(0)))
                .orElseThrow(() -> new Failure(ErrorReason.UNKNOWN_TOKEN, "the bearer token is not the token of any caller"));
    }

    private Caller byCertificateOrAnonymous(Optional<X509Certificate> certificate) {
        if (certificate.isPresent()) {
            return callers.byCertificate(certificate.get())
                    .orElseThrow(() -> new Failure(ErrorReason.UNKNOWN_CERTIFICATE, "the client certificate names no caller"));
        }
        if (callers.allowAnonymous()) {
            return Caller.ANONYMOUS;
        }
        throw new Failure(ErrorReason.NO_CREDENTIAL, "no credential: send 'authorization: Bearer <token>' or a client certificate");
    }

    private static List<String> values(Metadata headers, Metadata.Key<String> key) {
        Iterable<String> all = headers.getAll(key);
        List<String> values = new ArrayList<>(1);
        if (all != null) {
            all.forEach(values::add);
        }
        return values;
    }

    /** The token of {@code Bearer <token>} (the scheme in any case), exactly as sent. */
    static String bearerToken(String authorization) {
        if (authorization.length() <= BEARER.length() || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new Failure(ErrorReason.MALFORMED_AUTHORIZATION, "the authorization metadata must be 'Bearer <token>'");
        }
        String token = authorization.substring(BEARER.length());
        if (token.length() > MAX_TOKEN_LENGTH || !isB64Token(token)) {
            throw new Failure(ErrorReason.MALFORMED_AUTHORIZATION, "the bearer token must be 1 to " + MAX_TOKEN_LENGTH
                    + " characters of A-Z a-z 0-9 - . _ ~ + / followed by any '=' (RFC 6750)");
        }
        return token;
    }

    /**
     * RFC 6750's b64token, {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="},
     * taken as it comes: nothing is trimmed into a token it was not. A loop, not a regular
     * expression: it runs on every call.
     */
    static boolean isB64Token(String token) {
        int i = 0;
        while (i < token.length() && isB64TokenCharacter(token.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return false;
        }
        while (i < token.length() && token.charAt(i) == '=') {
            i++;
        }
        return i == token.length();
    }

    private static boolean isB64TokenCharacter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    }

    private static Optional<X509Certificate> clientCertificate(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? Optional.of(x509) : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }
}
