package io.registrationsigner.auth;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Who may call the service, and for what. */
@ConfigMapping(prefix = "signer.auth")
public interface AuthConfig {

    /**
     * Serve callers that present no credential, with access to every application and user. Off in
     * prod: the service then refuses to start without at least one configured caller.
     */
    @WithDefault("false")
    boolean allowAnonymous();

    /** Metadata header in which a gateway caller asserts the authenticated end user's id. */
    @WithDefault("x-end-user-id")
    String userHeader();

    /** The calling services, each under a name of the operator's choice. */
    Map<String, CallerConfig> callers();

    interface CallerConfig {

        /** SHA-256 of the caller's bearer token, in hex: {@code printf %s "$TOKEN" | sha256sum}. */
        Optional<String> tokenSha256();

        /**
         * A URI SAN of the caller's client certificate, such as a SPIFFE id
         * ({@code spiffe://cluster.local/ns/payments/sa/backend}). Needs a trust store of the CAs
         * that issue caller certificates.
         */
        Optional<String> certificateUri();

        /** A DNS SAN of the caller's client certificate; needs the same trust store. */
        Optional<String> certificateDns();

        /** Not read: names are matched as URI or DNS SANs only. Refused at start-up, with the way out. */
        Optional<String> certificateName();

        /**
         * Names of the applications it may use ({@code signer.applications.<name>}), or {@code *} for
         * all. Required: optional here only so that a missing list is reported with every other
         * problem of the configuration.
         */
        Optional<List<String>> applications();

        /**
         * A gateway calls for the end user it authenticated, whose id it asserts in the user header:
         * it may ask only for that user. Any other caller may ask for any user, and its user
         * header is ignored.
         */
        @WithDefault("false")
        boolean gateway();
    }
}
