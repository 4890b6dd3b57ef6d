package io.registrationsigner.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.inject.Singleton;

import io.quarkus.runtime.Startup;
import io.quarkus.tls.TlsConfiguration;
import io.registrationsigner.application.ApplicationsConfig;
import io.registrationsigner.configuration.ConfigurationProblems;
import io.registrationsigner.transport.ServerTls;

/**
 * The configured callers, checked at start-up. Bearer tokens are known only by their SHA-256 and
 * compared in constant time; certificates by a URI or DNS SAN, and only with a trust store of the
 * service's own.
 */
@Startup
@Singleton
public class Callers {

    private record TokenCaller(byte[] tokenSha256, Caller caller) {
    }

    /** The callers as configured: by the SHA-256 of their token, and by their certificates' names. */
    private record Resolution(List<TokenCaller> byToken, Map<String, Caller> byCertificateName) {
    }

    static final String DOCS = "docs/security.md#callers";
    static final String CERTIFICATE_DOCS = "docs/security.md#client-certificates";
    static final String BEARER_DOCS = "docs/security.md#bearer-tokens";

    private final boolean allowAnonymous;
    private final List<TokenCaller> byToken;
    /** Keyed by {@code uri:<SAN>} or {@code dns:<SAN>}: a name of one kind never matches one of the other. */
    private final Map<String, Caller> byCertificateName;

    Callers(AuthConfig config, ApplicationsConfig applications, ServerTls tls) {
        ConfigurationProblems problems = new ConfigurationProblems();
        Resolution resolution = resolve(config, applications,
                new ServerTls.Resolution(tls.configuration(), tls.property(), true), problems);
        problems.throwIfAny();
        this.allowAnonymous = config.allowAnonymous();
        this.byToken = resolution.byToken();
        this.byCertificateName = resolution.byCertificateName();
    }

    /** Every problem of the callers' configuration goes to {@code problems}. */
    public static void check(AuthConfig config, ApplicationsConfig applications, ServerTls.Resolution tls,
            ConfigurationProblems problems) {
        resolve(config, applications, tls, problems);
    }

    private static Resolution resolve(AuthConfig config, ApplicationsConfig applications, ServerTls.Resolution tls,
            ConfigurationProblems problems) {
        if (config.callers().isEmpty() && !config.allowAnonymous()) {
            problems.add("No caller authentication is configured: set"
                    + " signer.auth.callers.<name>.token-sha256 or .certificate-uri / .certificate-dns for each calling"
                    + " service, or signer.auth.allow-anonymous=true to let anyone who reaches the port call it", DOCS);
        }
        List<TokenCaller> byToken = new ArrayList<>();
        Map<String, Caller> certificates = new HashMap<>();
        config.callers().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            String name = entry.getKey();
            AuthConfig.CallerConfig caller = entry.getValue();
            String prefix = "signer.auth.callers." + name;
            Caller resolved = new Caller(name, applications(prefix, caller.applications(), applications, problems),
                    caller.gateway());
            if (caller.certificateName().isPresent()) {
                problems.add(prefix + ".certificate-name is not supported: it matched the subject CN"
                        + " and every SAN alike. Set " + prefix + ".certificate-uri (a URI SAN, such as a SPIFFE id) or "
                        + prefix + ".certificate-dns (a DNS SAN)", CERTIFICATE_DOCS);
            }
            List<String> names = new ArrayList<>();
            caller.certificateUri().ifPresent(uri -> names.add(URI + uri));
            caller.certificateDns().ifPresent(dns -> names.add(DNS + dns));
            if (caller.tokenSha256().isEmpty() && names.isEmpty() && caller.certificateName().isEmpty()) {
                problems.add(prefix + " has neither token-sha256 nor certificate-uri or certificate-dns", DOCS);
            }
            caller.tokenSha256().flatMap(hex -> sha256Hex(prefix, hex, problems))
                    .ifPresent(hash -> byToken.add(new TokenCaller(hash, resolved)));
            for (String certificateName : names) {
                if (certificates.put(certificateName, resolved) != null) {
                    problems.add(prefix + " names the certificate " + certificateName + ", which names another caller too",
                            CERTIFICATE_DOCS);
                }
            }
        });
        if (!certificates.isEmpty() && tls.valid()) {
            requireTrustStore(tls, problems);
        }
        return new Resolution(List.copyOf(byToken), Map.copyOf(certificates));
    }

    /**
     * Callers named by certificate need the CAs that issue their certificates, and only those:
     * without a trust store of its own, the server would take any certificate that the JDK's
     * public CAs vouch for, and anyone can get one for a DNS name of their own.
     */
    private static void requireTrustStore(ServerTls.Resolution tls, ConfigurationProblems problems) {
        Optional<TlsConfiguration> configuration = tls.configuration();
        String which = tls.property();
        if (configuration.isEmpty()) {
            problems.add("Callers are named by client certificate, but the service port has no TLS:"
                    + " set signer.server.tls-configuration-name and its key-store and trust-store", CERTIFICATE_DOCS);
        } else if (configuration.get().isTrustAll() || configuration.get().getTrustStore() == null) {
            problems.add("Callers are named by client certificate, but " + which
                    + " has no trust store of its own: set " + which + ".trust-store to the CAs that issue caller"
                    + " certificates (never trust-all, nor the JDK's public CAs)", CERTIFICATE_DOCS);
        }
    }

    public boolean allowAnonymous() {
        return allowAnonymous;
    }

    /** The caller whose token this is. Every configured hash is compared, in constant time each. */
    public Optional<Caller> byToken(String token) {
        byte[] hash = sha256(token.getBytes(StandardCharsets.UTF_8));
        Caller found = null;
        for (TokenCaller candidate : byToken) {
            if (MessageDigest.isEqual(hash, candidate.tokenSha256()) && found == null) {
                found = candidate.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The caller named by one of this certificate's URI or DNS SANs; the subject CN names no one. */
    public Optional<Caller> byCertificate(X509Certificate certificate) {
        for (String name : names(certificate)) {
            Caller caller = byCertificateName.get(name);
            if (caller != null) {
                return Optional.of(caller);
            }
        }
        return Optional.empty();
    }

    private static final String URI = "uri:";
    private static final String DNS = "dns:";
    private static final int DNS_NAME = 2;
    private static final int URI_NAME = 6;

    /** The certificate's SANs, each as {@code uri:<name>} or {@code dns:<name>}. */
    static List<String> names(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            if (certificate.getSubjectAlternativeNames() != null) {
                for (List<?> san : certificate.getSubjectAlternativeNames()) {
                    int type = (Integer) san.get(0);
                    if (type == URI_NAME) {
                        names.add(URI + san.get(1));
                    } else if (type == DNS_NAME) {
                        names.add(DNS + san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A certificate we cannot read names no caller.
        }
        return names;
    }

    private static Set<String> applications(String prefix, Optional<List<String>> configured,
            ApplicationsConfig applications, ConfigurationProblems problems) {
        if (configured.isEmpty()) {
            problems.add(prefix + ".applications is not set: the names of the applications it may use"
                    + " (signer.applications.<name>), or *", DOCS);
            return Set.of();
        }
        List<String> names = configured.get();
        if (names.contains("*")) {
            return null;
        }
        Set<String> result = new HashSet<>();
        for (String name : names) {
            if (!applications.applications().containsKey(name)) {
                problems.add(prefix + ".applications names " + name
                        + ", which is not a configured application (signer.applications." + name + ")", DOCS);
            }
            result.add(name);
        }
        return Set.copyOf(result);
    }

    private static Optional<byte[]> sha256Hex(String prefix, String hex, ConfigurationProblems problems) {
        byte[] hash = null;
        try {
            hash = HexFormat.of().parseHex(hex.trim());
        } catch (IllegalArgumentException e) {
            // reported below, without the value
        }
        if (hash == null || hash.length != 32) {
            problems.add(prefix + ".token-sha256 must be 64 hex digits (the SHA-256 of the token)", BEARER_DOCS);
            return Optional.empty();
        }
        if (MessageDigest.isEqual(hash, EMPTY_TOKEN_SHA256)) {
            problems.add(prefix + ".token-sha256 is the SHA-256 of the empty string: the variable"
                    + " that held the token was probably unset. Generate a token with 'openssl rand -hex 32'", BEARER_DOCS);
            return Optional.empty();
        }
        return Optional.of(hash);
    }

    static byte[] sha256(byte[] bytes) {
        return SHA256.get().digest(bytes);
    }

    // Every call hashes its bearer token: one digest per thread, not a provider lookup per call.
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    });

    /** What {@code printf %s "$TOKEN" | sha256sum} gives when TOKEN is unset. After SHA256, which it uses. */
    private static final byte[] EMPTY_TOKEN_SHA256 = sha256(new byte[0]);
}
