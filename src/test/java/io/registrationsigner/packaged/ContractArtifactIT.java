package io.registrationsigner.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;

/**
 * The contract artifact that ./mvnw package attaches (classifier proto): the .proto sources of the
 * service, the google/api files they import, and a descriptor set from which the service can be
 * built alone, as a client team's stub generator or Envoy needs it.
 */
class ContractArtifactIT {

    @Test
    void theProtoJarHoldsTheContractItsImportsAndTheDescriptorSet() throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(file -> file.getFileName().toString().endsWith("-proto.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no *-proto.jar in target"));
        }
        try (JarFile contract = new JarFile(jar.toFile())) {
            for (String entry : List.of("signer/v1/registration_signer.proto", "google/api/annotations.proto",
                    "google/api/http.proto", "registration_signer.pb")) {
                assertNotNull(contract.getEntry(entry), entry + " is missing from " + jar);
            }
            String proto = new String(contract.getInputStream(contract.getEntry("signer/v1/registration_signer.proto"))
                    .readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(Files.readString(Path.of("proto", "signer", "v1", "registration_signer.proto")), proto);
            for (String imported : imports(proto)) {
                assertTrue(imported.startsWith("google/protobuf/") || contract.getEntry(imported) != null,
                        imported + " is imported but not in the artifact");
            }
            FileDescriptorSet set = FileDescriptorSet.parseFrom(contract.getInputStream(contract.getEntry("registration_signer.pb")));
            assertNotNull(build(set).get("signer/v1/registration_signer.proto").findServiceByName("RegistrationSigner"));
        }
    }

    private static List<String> imports(String proto) {
        List<String> imports = new ArrayList<>();
        proto.lines().filter(line -> line.startsWith("import \"")).forEach(line -> imports.add(line.split("\"")[1]));
        return imports;
    }

    /** Every file of the set built from the set alone, in order: a missing import fails here. */
    private static Map<String, FileDescriptor> build(FileDescriptorSet set) throws Exception {
        Map<String, FileDescriptor> built = new HashMap<>();
        for (FileDescriptorProto file : set.getFileList()) {
            List<FileDescriptor> dependencies = new ArrayList<>();
            for (String dependency : file.getDependencyList()) {
                FileDescriptor found = built.get(dependency);
                assertNotNull(found, file.getName() + " needs " + dependency);
                dependencies.add(found);
            }
            built.put(file.getName(), FileDescriptor.buildFrom(file, dependencies.toArray(FileDescriptor[]::new)));
        }
        return built;
    }
}
