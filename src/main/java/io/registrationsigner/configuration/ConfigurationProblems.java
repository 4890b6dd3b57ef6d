package io.registrationsigner.configuration;

import java.util.ArrayList;
import java.util.List;

import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * What is wrong with the configuration: the checks note every missing or wrong setting they find,
 * each with the page that documents it, and the service stops with one message that lists them
 * all. Quarkus prints a {@link ConfigurationException} that stops start-up as its message alone,
 * without a stack trace. A problem never quotes a secret.
 */
public final class ConfigurationProblems {

    private final List<String> problems = new ArrayList<>();

    /** A missing or wrong setting, and where it is documented: {@code docs/redis.md}, say. */
    public void add(String problem, String documentation) {
        problems.add(problem + " (" + documentation + ")");
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public List<String> list() {
        return List.copyOf(problems);
    }

    /** Stops start-up when there is any problem, with all of them in one message. */
    public void throwIfAny() {
        if (problems.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder("The service cannot start with this configuration")
                .append(problems.size() == 1 ? ":" : " (" + problems.size() + " problems):");
        for (String problem : problems) {
            message.append(System.lineSeparator()).append("  - ").append(problem);
        }
        throw new ConfigurationException(message.toString());
    }
}
