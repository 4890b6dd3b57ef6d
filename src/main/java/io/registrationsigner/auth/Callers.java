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

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.registrationsigner.application.ApplicationsConfig;

/**
 * The configured callers, checked at start-up. Bearer tokens are known only by their SHA-256 and
 * compared in constant time; certificates by their subject CN or SANs.
 */
@Startup
@ApplicationScoped
public class Callers {

    private record TokenCaller(byte[] tokenSha256, Caller caller) {
    }

    private final boolean allowAnonymous;
    private final List<TokenCaller> byToken = new ArrayList<>();
    private final Map<String, Caller> byCertificateName;

    Callers(AuthConfig config, ApplicationsConfig applications) {
        this.allowAnonymous = config.allowAnonymous();
        if (config.callers().isEmpty() && !allowAnonymous) {
            throw new ConfigurationException("No caller authentication is configured: set"
                    + " signer.auth.callers.<name>.token-sha256 or .certificate-name for each calling service,"
                    + " or signer.auth.allow-anonymous=true to let anyone who reaches the port call it");
        }
        Map<String, Caller> certificates = new HashMap<>();
        config.callers().forEach((name, caller) -> {
            String prefix = "signer.auth.callers." + name;
            Caller resolved = new Caller(name, applications(prefix, caller.applications(), applications), caller.gateway());
            if (caller.tokenSha256().isEmpty() && caller.certificateName().isEmpty()) {
                throw new ConfigurationException(prefix + " has neither token-sha256 nor certificate-name");
            }
            caller.tokenSha256().ifPresent(hex -> byToken.add(new TokenCaller(sha256Hex(prefix, hex), resolved)));
            caller.certificateName().ifPresent(certificateName -> {
                if (certificates.put(certificateName, resolved) != null) {
                    throw new ConfigurationException(prefix + ".certificate-name " + certificateName
                            + " is the certificate name of another caller too");
                }
            });
        });
        this.byCertificateName = Map.copyOf(certificates);
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

    /** The caller named by this certificate's subject CN or one of its DNS, URI or e-mail SANs. */
    public Optional<Caller> byCertificate(X509Certificate certificate) {
        for (String name : names(certificate)) {
            Caller caller = byCertificateName.get(name);
            if (caller != null) {
                return Optional.of(caller);
            }
        }
        return Optional.empty();
    }

    static List<String> names(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    names.add(String.valueOf(rdn.getValue()));
                }
            }
            if (certificate.getSubjectAlternativeNames() != null) {
                for (List<?> san : certificate.getSubjectAlternativeNames()) {
                    int type = (Integer) san.get(0);
                    if (type == 1 || type == 2 || type == 6) { // rfc822Name, dNSName, uniformResourceIdentifier
                        names.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (InvalidNameException | CertificateParsingException e) {
            // A certificate we cannot read names no caller.
        }
        return names;
    }

    private static Set<String> applications(String prefix, List<String> names, ApplicationsConfig applications) {
        if (names.contains("*")) {
            return null;
        }
        Set<String> result = new HashSet<>();
        for (String name : names) {
            if (!applications.applications().containsKey(name)) {
                throw new ConfigurationException(prefix + ".applications names " + name
                        + ", which is not a configured application (signer.applications." + name + ")");
            }
            result.add(name);
        }
        return Set.copyOf(result);
    }

    private static byte[] sha256Hex(String prefix, String hex) {
        byte[] hash = null;
        try {
            hash = HexFormat.of().parseHex(hex.trim());
        } catch (IllegalArgumentException e) {
            // reported below, without the value
        }
        if (hash == null || hash.length != 32) {
            throw new ConfigurationException(prefix + ".token-sha256 must be 64 hex digits (the SHA-256 of the token)");
        }
        if (MessageDigest.isEqual(hash, EMPTY_TOKEN_SHA256)) {
            throw new ConfigurationException(prefix + ".token-sha256 is the SHA-256 of the empty string: the variable"
                    + " that held the token was probably unset. Generate a token with 'openssl rand -hex 32'");
        }
        return hash;
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
