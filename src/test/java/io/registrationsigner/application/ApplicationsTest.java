package io.registrationsigner.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.registrationsigner.testing.SinchVectors;

class ApplicationsTest {

    private static final String KEY = SinchVectors.LEGACY_KEY;
    private static final String SECRET = SinchVectors.LEGACY_SECRET;

    record Config(Optional<String> key, Optional<String> secret, Optional<String> secretFile)
            implements ApplicationsConfig.ApplicationConfig {
        Config(String key, String secret) {
            this(Optional.of(key), Optional.of(secret), Optional.empty());
        }

        Config(String key, Optional<String> secret, Optional<String> secretFile) {
            this(Optional.of(key), secret, secretFile);
        }
    }

    @Test
    void indexesApplicationsByKey() {
        Map<String, Application> byKey = Applications.index(Map.of(
                "alpha", new Config(KEY, SECRET),
                "beta", new Config("5f0f7a4e-2c1b-4d7e-9a51-3c8e2b6d1f90", "q3Xc9T0bYw1nKp7Lr2VdAg==")));
        assertEquals(new Application("alpha", KEY, SECRET), byKey.get(KEY));
        assertEquals("beta", byKey.get("5f0f7a4e-2c1b-4d7e-9a51-3c8e2b6d1f90").name());
    }

    @Test
    void aSecretThatIsNotBase64StopsStartUpWithoutPrintingIt() {
        String secret = "this*is%not-base64!";
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> Applications.index(Map.of("payments", new Config(KEY, secret))));
        assertTrue(e.getMessage().contains("Application 'payments'"), e.getMessage());
        assertTrue(e.getMessage().contains("signer.applications.payments.secret is not valid Base64"), e.getMessage());
        assertFalse(e.getMessage().contains(secret));
        assertEquals(null, e.getCause(), "the Base64 decoder's message would quote the secret");
    }

    @Test
    void aSecretOfAnyLengthButSixteenBytesStopsStartUp() {
        for (String secret : new String[] { "oYdgGRXoxEuJhGDY", "AA==", "AAECAwQFBgcICQoLDA0ODwABAgMEBQYHCAkKCwwNDg8=" }) {
            ConfigurationException e = assertThrows(ConfigurationException.class,
                    () -> Applications.index(Map.of("payments", new Config(KEY, secret))));
            assertTrue(e.getMessage().contains("is not valid Base64 of 16 bytes, as every Sinch Application Secret is"),
                    e.getMessage());
            assertFalse(e.getMessage().contains(secret));
        }
    }

    @Test
    void aFileIsTakenOnlyWhenTwoReadsAgree() throws IOException {
        java.util.Iterator<String> writing = java.util.List.of(SECRET.substring(0, 8), SECRET).iterator();
        assertTrue(Applications.readSettled(writing::next).isEmpty());
        assertEquals(Optional.of(SECRET), Applications.readSettled(() -> SECRET));
    }

    @Test
    void aRetiredSecretNeverPrintsItself() {
        String text = new Applications.RetiredSecret(SECRET, java.time.Instant.EPOCH).toString();
        assertFalse(text.contains(SECRET), text);
    }

    @Test
    void anEmptySecretOrKeyStopsStartUp() {
        assertThrows(ConfigurationException.class, () -> Applications.index(Map.of("a", new Config(KEY, " "))));
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> Applications.index(Map.of("a", new Config("", SECRET))));
        assertTrue(e.getMessage().contains("signer.applications.a.key"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET));
    }

    @Test
    void aMalformedKeyStopsStartUp() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> Applications.index(Map.of("a", new Config("not a key", SECRET))));
        assertTrue(e.getMessage().contains("signer.applications.a.key is not a Sinch Application Key"), e.getMessage());
    }

    @Test
    void twoApplicationsWithOneKeyStopStartUp() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Applications.index(Map.of(
                "a", new Config(KEY, SECRET), "b", new Config(KEY, "q3Xc9T0bYw1nKp7Lr2VdAg=="))));
        assertTrue(e.getMessage().contains("'a' and 'b' have the same key"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET));
    }

    @Test
    void noApplicationStopsStartUp() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Applications.index(Map.of()));
        assertTrue(e.getMessage().contains("signer.applications.<name>.key"), e.getMessage());
    }

    @Test
    void environmentVariablesConfigureApplications() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ApplicationsConfig.class)
                .withSources(new EnvConfigSource(Map.of(
                        "SIGNER_APPLICATIONS_PAYMENTS_KEY", KEY,
                        "SIGNER_APPLICATIONS_PAYMENTS_SECRET", SECRET), 300))
                .build();
        ApplicationsConfig.ApplicationConfig payments = config.getConfigMapping(ApplicationsConfig.class)
                .applications().get("payments");
        assertEquals(Optional.of(KEY), payments.key());
        assertEquals(Optional.of(SECRET), payments.secret());
    }

    @Test
    void aMissingKeyIsReportedWithThePropertyName() {
        ApplicationsConfig config = new SmallRyeConfigBuilder()
                .withMapping(ApplicationsConfig.class)
                .withSources(new PropertiesConfigSource(Map.of("signer.applications.payments.secret", SECRET), "test", 100))
                .build().getConfigMapping(ApplicationsConfig.class);
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Applications.index(config.applications()));
        assertTrue(e.getMessage().contains("signer.applications.payments.key is not set"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET));
    }

    @Test
    void everyProblemOfEveryApplicationIsReportedAtOnce() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Applications.index(Map.of(
                "a", new Config(Optional.empty(), Optional.of("not*base64"), Optional.empty()),
                "b", new Config("not a key", SECRET),
                "c", new Config(KEY, SECRET),
                "d", new Config(KEY, "q3Xc9T0bYw1nKp7Lr2VdAg=="))));
        String message = e.getMessage();
        assertTrue(message.contains("(4 problems)"), message);
        assertTrue(message.contains("signer.applications.a.key is not set"), message);
        assertTrue(message.contains("signer.applications.a.secret is not valid Base64"), message);
        assertTrue(message.contains("signer.applications.b.key is not a Sinch Application Key"), message);
        assertTrue(message.contains("'c' and 'd' have the same key"), message);
        assertTrue(message.contains("(docs/configuration.md#applications)"), message);
        assertFalse(message.contains(SECRET));
    }

    @Test
    void aSecretCanComeFromAFileButNotFromBothOrNeither(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("payments-secret"), SECRET + "\n");
        assertEquals(SECRET, Applications.index(Map.of("payments",
                new Config(KEY, Optional.empty(), Optional.of(file.toString())))).get(KEY).secret());
        ConfigurationException both = assertThrows(ConfigurationException.class, () -> Applications.index(Map.of(
                "payments", new Config(KEY, Optional.of(SECRET), Optional.of(file.toString())))));
        assertTrue(both.getMessage().contains("and only one of them"), both.getMessage());
        assertFalse(both.getMessage().contains(SECRET));
        ConfigurationException missing = assertThrows(ConfigurationException.class, () -> Applications.index(Map.of(
                "payments", new Config(KEY, Optional.empty(), Optional.of(dir.resolve("absent").toString())))));
        assertTrue(missing.getMessage().contains("cannot be read"), missing.getMessage());
    }

    @Test
    void toStringLeavesTheSecretOut() {
        assertFalse(new Application("a", KEY, SECRET).toString().contains(SECRET));
    }
}
