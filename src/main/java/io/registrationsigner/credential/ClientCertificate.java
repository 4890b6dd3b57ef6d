package io.registrationsigner.credential;

import java.math.BigInteger;
import java.security.cert.X509Certificate;

/**
 * Which certificate named a caller, for the audit: its serial number (hex) and its issuer's
 * distinguished name (RFC 2253), as the issuing CA's records know it.
 */
public record ClientCertificate(String serial, String issuer) {

    public static ClientCertificate of(X509Certificate certificate) {
        BigInteger serial = certificate.getSerialNumber();
        return new ClientCertificate(serial.toString(16), certificate.getIssuerX500Principal().getName());
    }
}
