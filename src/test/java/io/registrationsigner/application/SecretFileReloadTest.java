package io.registrationsigner.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.registrationsigner.api.v1.LegacyCredential;
import io.registrationsigner.api.v1.SignRegistrationRequest;
import io.registrationsigner.api.v1.SignRegistrationResponse;
import io.registrationsigner.api.v1.VerifyRegistrationRequest;
import io.registrationsigner.api.v1.VerifyRegistrationResponse;
import io.registrationsigner.testing.ServiceTestBase;
import io.registrationsigner.testing.SignerTestResource;
import io.registrationsigner.testing.Signatures;
import io.registrationsigner.testing.TestApplication;

/** A secret in a file, as a mounted Kubernetes Secret: rotated without a restart, the old one kept for the grace period. */
@QuarkusTest
@WithTestResource(value = SignerTestResource.class,
        initArgs = @ResourceArg(name = SignerTestResource.SECRETS, value = "file"))
class SecretFileReloadTest extends ServiceTestBase {

    private static final String USER = "rotated-user";
    /** The rotated secret cut short by a careless copy: valid Base64 of 12 bytes. */
    private static final String TRUNCATED = TestApplication.ROTATED_SECRET.substring(0, 16);

    @Test
    void aChangedSecretFileTakesEffectWithoutARestart() throws IOException {
        Path file = Path.of(SignerTestResource.lastStartedConfig().get(SignerTestResource.OTHER_SECRET_FILE));
        SignRegistrationResponse before = sign();
        assertEquals(Signatures.expected(USER, TestApplication.OTHER.key(), before.getSequence(),
                TestApplication.OTHER.secret()), before.getSignature());

        replace(file, TestApplication.ROTATED_SECRET);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            SignRegistrationResponse after = sign();
            return after.getSignature().equals(Signatures.expected(USER, TestApplication.OTHER.key(), after.getSequence(),
                    TestApplication.ROTATED_SECRET));
        });

        // The old secret's credential verifies during the grace period (3 s here), and not after it.
        assertTrue(verify(before).getValid(), verify(before).getReason());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !verify(before).getValid());
        assertTrue(verify(before).getReason().startsWith("wrong signature"));

        // A file that does not hold a valid secret (not Base64, cut short, one byte) leaves the
        // current one in place, and the previous one is not retired for it.
        Path log = Path.of("target", "test-logs", "quarkus-test.log");
        for (String invalid : new String[] { TestApplication.StartupSecrets.NOT_BASE64, TRUNCATED, "AA==" }) {
            long linesBefore = Files.readAllLines(log).size();
            replace(file, invalid);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.readAllLines(log).stream()
                    .skip(linesBefore).anyMatch(line -> line.contains("secret file " + file + " changed but is not valid Base64")));
            SignRegistrationResponse still = sign();
            assertEquals(Signatures.expected(USER, TestApplication.OTHER.key(), still.getSequence(),
                    TestApplication.ROTATED_SECRET), still.getSignature());
        }
        String logText = Files.readString(log);
        for (String secret : new String[] { TestApplication.ROTATED_SECRET, TestApplication.OTHER.secret(), TRUNCATED }) {
            assertFalse(logText.contains(secret), "a secret in the log");
        }
    }

    /** As Kubernetes updates a Secret volume: the new content appears at once, never half-written. */
    private static void replace(Path file, String content) throws IOException {
        Path next = Files.writeString(file.resolveSibling(file.getFileName() + ".next"), content + "\n");
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private SignRegistrationResponse sign() {
        return signer(10).signRegistration(SignRegistrationRequest.newBuilder().setUserId(USER)
                .setApplicationKey(TestApplication.OTHER.key()).build());
    }

    private VerifyRegistrationResponse verify(SignRegistrationResponse credential) {
        return signer(10).verifyRegistration(VerifyRegistrationRequest.newBuilder().setUserId(USER)
                .setApplicationKey(TestApplication.OTHER.key())
                .setLegacy(LegacyCredential.newBuilder().setSequence(credential.getSequence())
                        .setSignature(credential.getSignature()))
                .build());
    }
}
