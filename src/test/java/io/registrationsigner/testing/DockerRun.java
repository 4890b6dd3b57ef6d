package io.registrationsigner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code docker run} command as a file of the repository writes it (a Dockerfile's comment, a
 * shell block of the docs): what a test needs to start the packaged service as that container.
 *
 * @param ports the published ports, host:container
 * @param volumes host path (as written, $PWD and all) to container path
 * @param tmpfs container path to size in MiB
 */
public record DockerRun(String text, boolean readOnly, List<String> ports, Map<String, String> environment,
        Map<String, String> volumes, Map<String, Integer> tmpfs, String image) {

    /** Every docker run of a file, its lines continued with a backslash joined; "# " comment marks dropped. */
    public static List<DockerRun> in(Path file) {
        List<DockerRun> runs = new ArrayList<>();
        try {
            StringBuilder command = null;
            for (String line : Files.readAllLines(file)) {
                String text = line.replaceFirst("^#\\s*", "").strip();
                if (command == null && text.startsWith("docker run ")) {
                    command = new StringBuilder();
                }
                if (command != null) {
                    boolean continued = text.endsWith("\\");
                    command.append(continued ? text.substring(0, text.length() - 1) : text).append(' ');
                    if (!continued) {
                        runs.add(parse(command.toString().strip()));
                        command = null;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return runs;
    }

    static DockerRun parse(String text) {
        List<String> words = words(text);
        boolean readOnly = false;
        List<String> ports = new ArrayList<>();
        Map<String, String> environment = new LinkedHashMap<>();
        Map<String, String> volumes = new LinkedHashMap<>();
        Map<String, Integer> tmpfs = new LinkedHashMap<>();
        String image = null;
        for (int i = 2; i < words.size(); i++) {
            String word = words.get(i);
            switch (word) {
                case "--rm", "-d", "-it" -> {
                }
                case "--read-only" -> readOnly = true;
                case "-p" -> ports.add(words.get(++i));
                case "-e" -> {
                    String[] variable = words.get(++i).split("=", 2);
                    environment.put(variable[0], variable[1]);
                }
                case "--tmpfs" -> {
                    String[] mount = words.get(++i).split(":", 2);
                    java.util.regex.Matcher size = java.util.regex.Pattern.compile("size=(\\d+)m").matcher(mount.length > 1 ? mount[1] : "");
                    if (!size.find()) {
                        throw new IllegalArgumentException("a tmpfs without a size in m: " + text);
                    }
                    tmpfs.put(mount[0], Integer.parseInt(size.group(1)));
                }
                case "-v" -> {
                    String[] volume = words.get(++i).split(":");
                    volumes.put(volume[0], volume[1]);
                }
                default -> {
                    if (word.startsWith("-")) {
                        throw new IllegalArgumentException("an option the test does not know: " + word + " in " + text);
                    }
                    image = word;
                    if (i != words.size() - 1) {
                        throw new IllegalArgumentException("arguments after the image: " + text);
                    }
                }
            }
        }
        return new DockerRun(text, readOnly, ports, environment, volumes, tmpfs, image);
    }

    /** Shell words: blanks separate, double and single quotes group. */
    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (char c : text.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
