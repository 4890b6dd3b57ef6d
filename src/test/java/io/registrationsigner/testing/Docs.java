package io.registrationsigner.testing;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** What the documentation tells users to write, read back so that tests use exactly that. */
public final class Docs {

    /** Where the TLS recipe is. */
    public static final Path SECURITY = Path.of("docs", "security.md");
    public static final Path DEPLOYMENT = Path.of("docs", "deployment.md");

    private Docs() {
    }

    /** The one {@code ```properties} block of the file that holds {@code containing}, parsed. */
    public static Properties propertiesBlock(Path markdown, String containing) {
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        try {
            for (String line : Files.readAllLines(markdown)) {
                String text = line.strip();
                if (block == null && text.equals("```properties")) {
                    block = new StringBuilder();
                } else if (block != null && text.equals("```")) {
                    blocks.add(block.toString());
                    block = null;
                } else if (block != null) {
                    block.append(text).append('\n');
                }
            }
            List<String> matching = blocks.stream().filter(b -> b.contains(containing)).toList();
            if (matching.size() != 1) {
                throw new IllegalStateException(markdown + " has " + matching.size() + " properties blocks with " + containing);
            }
            Properties properties = new Properties();
            properties.load(new StringReader(matching.get(0)));
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The environment variable of a property, as Quarkus maps them: upper case, other than A-Z 0-9 as _. */
    public static String environmentName(String property) {
        return property.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }
}
