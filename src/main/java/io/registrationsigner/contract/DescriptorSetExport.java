package io.registrationsigner.contract;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;

import io.registrationsigner.api.v1.RegistrationSignerProto;

/**
 * Writes the contract as a self-contained FileDescriptorSet (google/api and google/protobuf
 * imports included, dependencies first), as Envoy's gRPC-JSON transcoder and grpcurl
 * {@code -protoset} need it. The build runs it after compiling, from the descriptor that protoc
 * embedded in the generated code, so that the file always matches the stubs.
 */
public final class DescriptorSetExport {

    private DescriptorSetExport() {
    }

    public static FileDescriptorSet descriptorSet() {
        Map<String, FileDescriptor> files = new LinkedHashMap<>();
        addWithDependencies(RegistrationSignerProto.getDescriptor(), files);
        FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
        files.values().forEach(file -> set.addFile(file.toProto()));
        return set.build();
    }

    private static void addWithDependencies(FileDescriptor file, Map<String, FileDescriptor> files) {
        if (files.containsKey(file.getName())) {
            return;
        }
        for (FileDescriptor dependency : file.getDependencies()) {
            addWithDependencies(dependency, files);
        }
        files.put(file.getName(), file);
    }

    /** @param args the output file */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: DescriptorSetExport <output.pb>");
        }
        Path output = Path.of(args[0]);
        Files.createDirectories(output.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(output)) {
            descriptorSet().writeTo(out);
        }
    }
}
