package io.registrationsigner.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Quarkus' code generation (the gRPC stubs, before the application compiles) reads the
 * configuration, and warns of every configuration service that the application registers in
 * META-INF/services: that its class is not compiled yet, or, once it is, with an empty list. The
 * service needs its two ConfigSourceInterceptors, so the build sets the code generation's log to
 * errors only (.mvn/maven.config): ./mvnw package shows no warning.
 */
class BuildOutputTest {

    /** The configuration services Quarkus' CodeGenerator looks for in the application. */
    private static final List<String> CONFIG_SERVICES = List.of("org.eclipse.microprofile.config.spi.Converter",
            "org.eclipse.microprofile.config.spi.ConfigSource", "org.eclipse.microprofile.config.spi.ConfigSourceProvider",
            "io.smallrye.config.ConfigSourceInterceptor", "io.smallrye.config.ConfigSourceInterceptorFactory",
            "io.smallrye.config.ConfigSourceFactory", "io.smallrye.config.SecretKeysHandler",
            "io.smallrye.config.SecretKeysHandlerFactory", "io.smallrye.config.ConfigValidator");

    @Test
    void theCodeGenerationWarningAboutConfigurationServicesIsLeftOut() throws IOException {
        Path services = Path.of("src", "main", "resources", "META-INF", "services");
        boolean registersConfigServices;
        try (Stream<Path> files = Files.list(services)) {
            registersConfigServices = files.anyMatch(file -> CONFIG_SERVICES.contains(file.getFileName().toString()));
        }
        if (!registersConfigServices) {
            return;
        }
        String mavenConfig = Files.readString(Path.of(".mvn", "maven.config"));
        for (String mojo : new String[] { "GenerateCodeMojo", "GenerateCodeTestsMojo" }) {
            assertTrue(mavenConfig.contains("-Dorg.slf4j.simpleLogger.log.io.quarkus.maven." + mojo + "=error"), mavenConfig);
        }
    }
}
