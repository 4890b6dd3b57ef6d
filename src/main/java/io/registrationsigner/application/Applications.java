package io.registrationsigner.application;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.registrationsigner.signing.ApplicationKeys;

/**
 * The configured Sinch applications, checked once at start-up: a bad configuration stops the
 * service before it serves anything. Error messages name the application and the property,
 * never the secret.
 */
@Startup
@ApplicationScoped
public class Applications {

    private final Map<String, Application> byKey;

    Applications(ApplicationsConfig config) {
        this.byKey = index(config.applications());
    }

    /** The application with this Sinch Application Key. */
    public Optional<Application> byKey(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    /** The application, when exactly one is configured. */
    public Optional<Application> onlyOne() {
        return byKey.size() == 1 ? Optional.of(byKey.values().iterator().next()) : Optional.empty();
    }

    static Map<String, Application> index(Map<String, ApplicationsConfig.ApplicationConfig> configured) {
        if (configured.isEmpty()) {
            throw new ConfigurationException("No Sinch application is configured: set signer.applications.<name>.key"
                    + " and signer.applications.<name>.secret for at least one application");
        }
        Map<String, Application> byKey = new LinkedHashMap<>();
        configured.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            Application application = validated(entry.getKey(), entry.getValue());
            Application clash = byKey.putIfAbsent(application.key(), application);
            if (clash != null) {
                throw new ConfigurationException("Applications '" + clash.name() + "' and '" + application.name()
                        + "' have the same key " + application.key() + ": each Sinch application must be configured once");
            }
        });
        return Map.copyOf(byKey);
    }

    private static Application validated(String name, ApplicationsConfig.ApplicationConfig config) {
        String prefix = "Application '" + name + "': signer.applications." + name;
        String key = config.key().trim();
        ApplicationKeys.problem(key).ifPresent(problem -> {
            throw new ConfigurationException(prefix + ".key is not a Sinch Application Key: " + problem);
        });
        String secret = config.secret().trim();
        if (!isBase64(secret)) {
            // The decoder's own message quotes the offending character: it must not reach the log.
            throw new ConfigurationException(prefix + ".secret is not valid Base64"
                    + " (copy the Application Secret exactly as the Sinch dashboard shows it)");
        }
        return new Application(name, key, secret);
    }

    private static boolean isBase64(String text) {
        if (text.isEmpty()) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(text).length > 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
