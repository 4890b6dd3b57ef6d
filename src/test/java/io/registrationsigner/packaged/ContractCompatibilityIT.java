package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.registrationsigner.testing.Command;
import io.registrationsigner.testing.Node;

/**
 * buf lint (STANDARD rules) and buf breaking (against the last release's image) on the contract
 * as ./mvnw package publishes it (target/contract, the contents of the -proto.jar), with the
 * configuration in proto/buf.yaml; and proof that both checks can fail.
 */
class ContractCompatibilityIT {

    private static final Path CONTRACT = Path.of("target", "contract");
    private static final Path CONFIG = Path.of("proto", "buf.yaml").toAbsolutePath();
    private static final Path BASELINE = Path.of("proto", "baseline.binpb").toAbsolutePath();
    private static final String PROTO = "signer/v1/registration_signer.proto";

    private static Path buf;

    @BeforeAll
    static void installBuf() {
        buf = Node.buf();
    }

    @Test
    void theContractPassesLint() {
        Command lint = buf(CONTRACT, "lint", "--config", CONFIG.toString());
        assertEquals(0, lint.exitCode(), lint.output());
    }

    @Test
    void theContractIsCompatibleWithTheLastRelease() {
        Command breaking = buf(CONTRACT, "breaking", "--config", CONFIG.toString(), "--against", BASELINE.toString());
        assertEquals(0, breaking.exitCode(), breaking.output());
    }

    @Test
    void aRenumberedFieldIsABreakingChange(@TempDir Path copy) throws IOException {
        Command breaking = breakingAfter(copy, "  uint64 sequence = 3;\n", "  uint64 sequence = 5;\n");

        assertEquals(100, breaking.exitCode(), breaking.output());
        assertTrue(breaking.output().contains("Previously present field \"3\" with name \"sequence\" on message "
                + "\"SignRegistrationResponse\" was deleted"), breaking.output());
    }

    @Test
    void aRemovedEnumValueIsABreakingChange(@TempDir Path copy) throws IOException {
        Command breaking = breakingAfter(copy, "  VERIFICATION_FAILURE_EXPIRED = 6;\n", "");

        assertEquals(100, breaking.exitCode(), breaking.output());
        assertTrue(breaking.output().contains("Previously present enum value \"6\" on enum \"VerificationFailure\" was deleted"),
                breaking.output());
    }

    @Test
    void aNewFieldIsNotBreakingButAFieldNamedInCamelCaseFailsLint(@TempDir Path copy) throws IOException {
        Command breaking = breakingAfter(copy, "  string signature = 4;\n}", "  string signature = 4;\n  string keyId = 5;\n}");
        assertEquals(0, breaking.exitCode(), breaking.output());

        Command lint = buf(copy, "lint", "--config", CONFIG.toString());
        assertNotEquals(0, lint.exitCode(), lint.output());
        assertTrue(lint.output().contains("Field name \"keyId\" should be lower_snake_case"), lint.output());
    }

    /** buf runs in the contract's directory: the module root its configuration describes. */
    private static Command buf(Path dir, String... arguments) {
        List<String> command = new ArrayList<>(List.of(buf.toString()));
        command.addAll(List.of(arguments));
        return Command.run(dir, Map.of(), Duration.ofMinutes(2), command);
    }

    /** buf breaking on a copy of the contract with one edit. */
    private static Command breakingAfter(Path copy, String from, String to) throws IOException {
        copyContract(copy);
        edit(copy, from, to);
        return buf(copy, "breaking", "--config", CONFIG.toString(), "--against", BASELINE.toString());
    }

    private static void copyContract(Path copy) throws IOException {
        try (Stream<Path> files = Files.walk(CONTRACT)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path target = copy.resolve(CONTRACT.relativize(file).toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target);
            }
        }
    }

    private static void edit(Path copy, String from, String to) throws IOException {
        Path proto = copy.resolve(PROTO);
        String text = Files.readString(proto);
        assertTrue(text.contains(from), "the contract no longer has: " + from);
        Files.writeString(proto, text.replace(from, to));
    }
}
