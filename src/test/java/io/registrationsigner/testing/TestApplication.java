package io.registrationsigner.testing;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A Sinch application the tests configure, with its (test-only) secret. */
public record TestApplication(String name, String key, String secret) {

    /** The application of Sinch's legacy test vector. */
    public static final TestApplication VECTOR = new TestApplication("vector",
            SinchVectors.LEGACY_KEY, SinchVectors.LEGACY_SECRET);

    public static final TestApplication OTHER = new TestApplication("other",
            "5f0f7a4e-2c1b-4d7e-9a51-3c8e2b6d1f90", "q3Xc9T0bYw1nKp7Lr2VdAg==");

    /** The application of Sinch's published reference registration token. */
    public static final TestApplication JWT_VECTOR = new TestApplication("jwtvector",
            SinchVectors.JWT_KEY, SinchVectors.JWT_SECRET);

    /** What a test writes into OTHER's secret file to rotate it. */
    public static final String ROTATED_SECRET = "cm90YXRlZC0yMDI2LWtleQ==";

    /** Every secret and caller token any test hands to the service: none may show up in a log, metric or status. */
    public static final List<String> ALL_SECRETS = Stream.concat(Stream.of(VECTOR.secret,
            OTHER.secret, JWT_VECTOR.secret, ROTATED_SECRET, StartupSecrets.NOT_BASE64, StartupSecrets.WITHOUT_KEY,
            StartupSecrets.REDIS_PASSWORD),
            TestCaller.ALL_TOKENS.stream()).toList();

    public void putInto(Map<Object, Object> config) {
        config.put("signer.applications." + name + ".key", key);
        config.put("signer.applications." + name + ".secret", secret);
    }

    /** Secrets of the broken configurations that the start-up tests feed to the packaged service. */
    public static final class StartupSecrets {
        public static final String NOT_BASE64 = "NotBase64*Secret%Value!";
        public static final String WITHOUT_KEY = "U2VjcmV0V2l0aG91dEtleQ==";
        /** A Redis password as generators make them, with a character that a URI does not allow. */
        public static final String REDIS_PASSWORD = "Rp9|vX2#kQ7zL4";

        private StartupSecrets() {
        }
    }
}
