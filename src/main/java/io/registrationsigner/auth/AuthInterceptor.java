package io.registrationsigner.auth;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.regex.Pattern;

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
import io.grpc.Status;

/**
 * Authenticates every call of signer.v1: a bearer token in {@code authorization}, else the TLS
 * client certificate, else (only when allowed) anonymous. A call that fails here ends with
 * UNAUTHENTICATED before the service sees it. Health and reflection are not behind it.
 */
@ApplicationScoped
public class AuthInterceptor implements ServerInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "Bearer ";
    /** RFC 6750's b64token, taken as it comes: nothing is trimmed into a token it was not. */
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");
    /** Far above any token worth having; what is hashed before authentication stays small. */
    static final int MAX_TOKEN_LENGTH = 512;

    private final Callers callers;
    private final Metadata.Key<String> userHeader;
    private final String userHeaderName;

    AuthInterceptor(Callers callers, AuthConfig config) {
        this.callers = callers;
        this.userHeaderName = config.userHeader();
        this.userHeader = Metadata.Key.of(config.userHeader(), Metadata.ASCII_STRING_MARSHALLER);
    }

    public String userHeaderName() {
        return userHeaderName;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        Caller caller;
        try {
            caller = authenticate(call, headers);
        } catch (Unauthenticated e) {
            call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        Optional<String> assertedUser = caller.gateway() ? Optional.ofNullable(headers.get(userHeader)) : Optional.empty();
        Context context = Context.current().withValue(CallerContext.KEY, new CallerContext(caller, assertedUser));
        return Contexts.interceptCall(context, call, headers, next);
    }

    private Caller authenticate(ServerCall<?, ?> call, Metadata headers) {
        String authorization = headers.get(AUTHORIZATION);
        if (authorization != null) {
            return callers.byToken(bearerToken(authorization))
                    .orElseThrow(() -> new Unauthenticated("the bearer token is not the token of any caller"));
        }
        Optional<X509Certificate> certificate = clientCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (certificate.isPresent()) {
            return callers.byCertificate(certificate.get())
                    .orElseThrow(() -> new Unauthenticated("the client certificate names no caller"));
        }
        if (callers.allowAnonymous()) {
            return Caller.ANONYMOUS;
        }
        throw new Unauthenticated("no credential: send 'authorization: Bearer <token>' or a client certificate");
    }

    /** The token of {@code Bearer <token>} (the scheme in any case), exactly as sent. */
    static String bearerToken(String authorization) {
        if (authorization.length() <= BEARER.length() || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new Unauthenticated("the authorization metadata must be 'Bearer <token>'");
        }
        String token = authorization.substring(BEARER.length());
        if (token.length() > MAX_TOKEN_LENGTH || !B64TOKEN.matcher(token).matches()) {
            throw new Unauthenticated("the bearer token must be 1 to " + MAX_TOKEN_LENGTH
                    + " characters of A-Z a-z 0-9 - . _ ~ + / followed by any '=' (RFC 6750)");
        }
        return token;
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

    static final class Unauthenticated extends RuntimeException {
        Unauthenticated(String message) {
            super(message, null, false, false);
        }
    }
}
