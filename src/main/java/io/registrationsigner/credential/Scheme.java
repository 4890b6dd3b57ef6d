package io.registrationsigner.credential;

import java.util.Locale;

/** The two kinds of Sinch credentials. */
public enum Scheme {
    /** Base64(SHA1(userId + applicationKey + sequence + applicationSecret)) over a Redis sequence. */
    LEGACY,
    /** The JWT registration token of Sinch's current SDKs. */
    JWT;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** As metrics and the audit log name it. */
    public String tag() {
        return tag;
    }
}
