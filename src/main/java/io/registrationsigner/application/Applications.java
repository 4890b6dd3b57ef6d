package io.registrationsigner.application;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.Startup;
import io.registrationsigner.configuration.ConfigurationProblems;
import io.registrationsigner.signing.ApplicationKeys;
import io.vertx.core.Vertx;

/**
 * The configured Sinch applications, checked once at start-up: a bad configuration stops the
 * service before it serves anything. Secrets held in files are read again periodically; a
 * replaced secret stays acceptable to VerifyRegistration for a grace period. Messages name the
 * application and the property or file, never the secret.
 */
@Startup
@Singleton
public class Applications {

    private static final Logger LOG = Logger.getLogger(Applications.class);

    /** A Sinch Application Secret is 16 bytes, 24 characters of Base64. */
    static final int SECRET_BYTES = 16;

    record RetiredSecret(String secret, Instant until) {
        @Override
        public String toString() {
            return "RetiredSecret[until=" + until + "]";
        }
    }

    private final AtomicReference<Map<String, Application>> byKey;
    private final Map<String, Path> secretFiles;
    private final Map<String, RetiredSecret> retired = new ConcurrentHashMap<>();
    private final SecretsConfig secrets;
    private final Clock clock;
    private static final long NO_TIMER = -1;
    private final Vertx vertx;
    private final long reloadTimer;

    Applications(ApplicationsConfig config, SecretsConfig secrets, Clock clock, Vertx vertx) {
        this.byKey = new AtomicReference<>(index(config.applications()));
        this.secrets = secrets;
        this.clock = clock;
        Map<String, Path> files = new LinkedHashMap<>();
        config.applications().forEach((name, application) -> application.secretFile()
                .ifPresent(file -> files.put(application.key().orElseThrow().trim(), Path.of(file))));
        this.secretFiles = Map.copyOf(files);
        // Files are read on a worker thread, never on the event loop that fires the timer.
        this.reloadTimer = secretFiles.isEmpty() ? NO_TIMER
                : vertx.setPeriodic(secrets.reloadInterval().toMillis(),
                        timer -> vertx.executeBlocking(() -> {
                            reloadSecretFiles();
                            return null;
                        }, false));
        this.vertx = vertx;
    }

    /** The application with this Sinch Application Key. */
    public Optional<Application> byKey(String key) {
        return Optional.ofNullable(byKey.get().get(key));
    }

    /** The application, when exactly one is configured. */
    public Optional<Application> onlyOne() {
        Map<String, Application> all = byKey.get();
        return all.size() == 1 ? Optional.of(all.values().iterator().next()) : Optional.empty();
    }

    /** The secret this application had before its current one, while its grace period lasts. */
    public Optional<String> previousSecret(String applicationKey) {
        RetiredSecret previous = retired.get(applicationKey);
        return previous != null && clock.instant().isBefore(previous.until()) ? Optional.of(previous.secret())
                : Optional.empty();
    }

    void reloadSecretFiles() {
        secretFiles.forEach((key, file) -> {
            Application current = byKey.get().get(key);
            Optional<String> read;
            try {
                read = readSettled(() -> Files.readString(file, StandardCharsets.UTF_8).trim());
            } catch (IOException | RuntimeException e) {
                LOG.warnf("Application '%s': cannot read its secret file %s (%s); the current secret stays",
                        current.name(), file, e.getClass().getSimpleName());
                return;
            }
            if (read.isEmpty()) {
                LOG.infof("Application '%s': its secret file %s is being written; it is read again in %s",
                        current.name(), file, secrets.reloadInterval());
                return;
            }
            String secret = read.get();
            if (secret.equals(current.secret())) {
                return;
            }
            Optional<String> problem = secretProblem(secret);
            if (problem.isPresent()) {
                LOG.warnf("Application '%s': its secret file %s changed but %s; the current secret stays",
                        current.name(), file, problem.get());
                return;
            }
            Instant until = clock.instant().plus(secrets.gracePeriod());
            retired.put(key, new RetiredSecret(current.secret(), until));
            byKey.getAndUpdate(all -> {
                Map<String, Application> updated = new LinkedHashMap<>(all);
                updated.put(key, new Application(current.name(), key, secret));
                return Map.copyOf(updated);
            });
            LOG.infof("Application '%s': new secret loaded from %s; VerifyRegistration accepts the previous one until %s",
                    current.name(), file, until);
        });
    }

    @PreDestroy
    void stopReloading() {
        if (reloadTimer != NO_TIMER) {
            vertx.cancelTimer(reloadTimer);
        }
    }

    static Map<String, Application> index(Map<String, ApplicationsConfig.ApplicationConfig> configured) {
        ConfigurationProblems problems = new ConfigurationProblems();
        Map<String, Application> byKey = index(configured, problems);
        problems.throwIfAny();
        return byKey;
    }

    /** The applications by key; every problem of their configuration goes to {@code problems}. */
    public static Map<String, Application> index(Map<String, ApplicationsConfig.ApplicationConfig> configured,
            ConfigurationProblems problems) {
        if (configured.isEmpty()) {
            problems.add("No Sinch application is configured: set signer.applications.<name>.key"
                    + " and signer.applications.<name>.secret (or .secret-file) for at least one application", DOCS);
            return Map.of();
        }
        Map<String, Application> byKey = new LinkedHashMap<>();
        configured.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(entry -> validated(entry.getKey(), entry.getValue(), problems).ifPresent(application -> {
                    Application clash = byKey.putIfAbsent(application.key(), application);
                    if (clash != null) {
                        problems.add("Applications '" + clash.name() + "' and '" + application.name() + "' have the same key "
                                + application.key() + ": each Sinch application must be configured once", DOCS);
                    }
                }));
        return Map.copyOf(byKey);
    }

    private static final String DOCS = "docs/configuration.md#applications";
    private static final String SECRET_FILE_DOCS = "docs/configuration.md#secret-files";

    private static Optional<Application> validated(String name, ApplicationsConfig.ApplicationConfig config,
            ConfigurationProblems problems) {
        String prefix = "Application '" + name + "': signer.applications." + name;
        Optional<String> key = config.key().map(String::trim);
        Optional<String> keyProblem = key.isEmpty() ? Optional.of(prefix + ".key is not set")
                : ApplicationKeys.problem(key.get()).map(problem -> prefix + ".key is not a Sinch Application Key: " + problem);
        keyProblem.ifPresent(problem -> problems.add(problem, DOCS));
        if (config.secret().isPresent() == config.secretFile().isPresent()) {
            problems.add(prefix + ".secret or " + prefix.substring(prefix.indexOf("signer.")) + ".secret-file must be set,"
                    + " and only one of them", DOCS);
            return Optional.empty();
        }
        String secret;
        String property;
        if (config.secret().isPresent()) {
            secret = config.secret().get().trim();
            property = prefix + ".secret";
        } else {
            property = prefix + ".secret-file " + config.secretFile().get();
            try {
                secret = Files.readString(Path.of(config.secretFile().get()), StandardCharsets.UTF_8).trim();
            } catch (IOException | RuntimeException e) {
                problems.add(property + " cannot be read (" + e.getClass().getSimpleName() + ")", SECRET_FILE_DOCS);
                return Optional.empty();
            }
        }
        Optional<String> secretProblem = secretProblem(secret);
        secretProblem.ifPresent(problem -> problems.add(property + " " + problem
                + " (copy the Application Secret exactly as the Sinch dashboard shows it)", DOCS));
        return keyProblem.isEmpty() && secretProblem.isEmpty() ? Optional.of(new Application(name, key.get(), secret))
                : Optional.empty();
    }

    /** What is wrong with this text as a Sinch Application Secret, in words that never quote it. */
    static Optional<String> secretProblem(String secret) {
        byte[] decoded;
        try {
            // The decoder's own message quotes the offending character: it must not reach the log.
            decoded = Base64.getDecoder().decode(secret);
        } catch (IllegalArgumentException e) {
            return Optional.of("is not valid Base64");
        }
        if (decoded.length != SECRET_BYTES) {
            return Optional.of("is not valid Base64 of " + SECRET_BYTES + " bytes, as every Sinch Application Secret is;"
                    + " it decodes to " + decoded.length);
        }
        return Optional.empty();
    }

    /**
     * The content, read twice: empty when the two reads differ, which a file being written
     * (copied in place, say, rather than swapped as Kubernetes does) may show.
     */
    static Optional<String> readSettled(FileRead read) throws IOException {
        String first = read.read();
        return first.equals(read.read()) ? Optional.of(first) : Optional.empty();
    }

    @FunctionalInterface
    interface FileRead {
        String read() throws IOException;
    }
}
