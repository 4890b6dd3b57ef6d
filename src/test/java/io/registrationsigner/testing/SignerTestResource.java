package io.registrationsigner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.certs.CertificateGenerator;
import io.smallrye.certs.CertificateRequest;
import io.smallrye.certs.Format;
import io.registrationsigner.devredis.LocalRedis;

/**
 * Starts a real Redis owned by the tests (never the machine's shared one) on a free port and
 * configures the service with it and with the test applications. Init arg
 * {@code applications=one} configures only {@link TestApplication#VECTOR}; by default three.
 * Init arg {@code auth=callers} configures the {@link TestCaller}s; by default anonymous callers
 * are allowed.
 */
public class SignerTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String APPLICATIONS = "applications";
    /** Init arg {@code auth=callers}: the {@link TestCaller}s, and no anonymous callers. */
    public static final String AUTH = "auth";
    /** Init arg {@code secrets=file}: OTHER's secret in a file, reloaded every 200 ms, 3 s of grace. */
    public static final String SECRETS = "secrets";
    public static final String OTHER_SECRET_FILE = "signer.applications.other.secret-file";

    /**
     * Init arg {@code tls=on}: the port speaks TLS only, with a server certificate for localhost,
     * asks for client certificates and trusts three: DNS SAN {@value #CLIENT_CN} (caller
     * "backend-cert"), URI SAN {@value #SPIFFE_ID} (caller "spiffe"), and "mallory", whose CN and
     * DNS SAN spell that URI.
     * Certificates are generated into {@link #lastCertificates()}.
     */
    public static final String TLS = "tls";
    public static final String CLIENT_CN = "backend.internal";
    /** The URI SAN of spiffe-client.crt, which names caller "spiffe". */
    public static final String SPIFFE_ID = "spiffe://cluster.local/ns/payments/sa/backend";

    private static volatile Path lastCertificates;

    /** Init arg {@code rate-limit=on}: 5 requests a minute per user, 12 per caller. */
    public static final String RATE_LIMIT = "rate-limit";

    private static volatile Map<String, String> lastStartedConfig = Map.of();
    /** Not the default prefix, so that the tests see that the configured one is used. */
    public static final String KEY_PREFIX = "test:registration-sequence:";

    private boolean oneApplication;
    private boolean callers;
    private boolean rateLimit;
    private boolean secretFile;
    private boolean tls;
    private LocalRedis redis;

    @Override
    public void init(Map<String, String> initArgs) {
        oneApplication = "one".equals(initArgs.get(APPLICATIONS));
        callers = "callers".equals(initArgs.get(AUTH));
        rateLimit = "on".equals(initArgs.get(RATE_LIMIT));
        secretFile = "file".equals(initArgs.get(SECRETS));
        tls = "on".equals(initArgs.get(TLS));
    }

    @Override
    public Map<String, String> start() {
        Path dir = Path.of("target", "test-resources", UUID.randomUUID().toString());
        redis = LocalRedis.start(dir.resolve("redis"));
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.redis.hosts", redis.uri().toString());
        config.put("signer.sequence.key-prefix", KEY_PREFIX);
        // Sequences from 1, which the tests read more easily than the production default's clock floor.
        config.put("signer.sequence.floor", "none");
        // The packaged service's management interface on a free port (@QuarkusTest uses test-port).
        config.put("quarkus.management.port", "0");
        // Random ports: quarkus.grpc.server.test-port for @QuarkusTest, port for the packaged service.
        config.put("quarkus.grpc.server.port", "0");
        config.put("quarkus.grpc.server.test-port", "0");
        // The packaged service stops at once: the prod profile's shutdown delay is for Kubernetes.
        config.put("quarkus.shutdown.delay", "0s");
        // The secrets come from a file, as from a mounted Kubernetes Secret: they never appear on
        // a command line (the packaged service's, which the test launcher prints) or in a property.
        config.put("quarkus.config.locations", applicationsFile(dir).toUri().toString());
        // Everything the service logs about a call, also in the packaged service (prod profile),
        // whose log the tests search for secrets.
        config.put("quarkus.log.category.\"io.registrationsigner\".level", "DEBUG");
        if (secretFile) {
            config.put(OTHER_SECRET_FILE, writeSecretFile(dir).toString());
            config.put("signer.secrets.reload-interval", "200ms");
            config.put("signer.secrets.grace-period", "3s");
        }
        if (tls) {
            Path certificates = generateCertificates(dir.resolve("certs"));
            config.put("quarkus.tls.signer.key-store.pem.server.cert", certificates.resolve("server.crt").toString());
            config.put("quarkus.tls.signer.key-store.pem.server.key", certificates.resolve("server.key").toString());
            config.put("quarkus.tls.signer.trust-store.pem.certs", String.join(",",
                    certificates.resolve("backend-server-ca.crt").toString(),
                    certificates.resolve("spiffe-client.crt").toString(),
                    certificates.resolve("mallory-server-ca.crt").toString()));
            config.put("signer.server.tls-configuration-name", "signer");
            config.put("signer.auth.callers.backend-cert.certificate-dns", CLIENT_CN);
            config.put("signer.auth.callers.backend-cert.applications", "*");
            config.put("signer.auth.callers.spiffe.certificate-uri", SPIFFE_ID);
            config.put("signer.auth.callers.spiffe.applications", "*");
        }
        if (rateLimit) {
            config.put("signer.rate-limit.per-user.limit", "5");
            config.put("signer.rate-limit.per-caller.limit", "12");
        }
        lastStartedConfig = Map.copyOf(config);
        return config;
    }

    private Path applicationsFile(Path dir) {
        Properties applications = new Properties();
        TestApplication.VECTOR.putInto(applications);
        if (!oneApplication) {
            TestApplication.OTHER.putInto(applications);
            if (secretFile) {
                applications.remove("signer.applications.other.secret");
            }
            TestApplication.JWT_VECTOR.putInto(applications);
        }
        if (callers) {
            applications.put("signer.auth.allow-anonymous", "false");
            TestCaller.BACKEND.putInto(applications);
            if (!oneApplication) {
                TestCaller.GATEWAY.putInto(applications);
                TestCaller.LIMITED.putInto(applications);
            }
        }
        Path file = dir.resolve("applications.properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            applications.store(out, "test applications");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file.toAbsolutePath();
    }

    private static Path writeSecretFile(Path dir) {
        try {
            return Files.writeString(dir.resolve("other.secret"), TestApplication.OTHER.secret() + "\n").toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * server.crt/.key (CN localhost), which clients trust through server-ca.crt; backend-client.crt/.key
     * (CN backend.internal), which the service trusts through backend-server-ca.crt (the generator's
     * names are from the other side's view); stranger-client.crt/.key, same CN, trusted by no one.
     */
    private static Path generateCertificates(Path dir) {
        try {
            Files.createDirectories(dir);
            CertificateGenerator generator = new CertificateGenerator(dir, true);
            generator.generate(new CertificateRequest().withName("server").withCN("localhost").withFormat(Format.PEM));
            generator.generate(new CertificateRequest().withName("backend").withCN(CLIENT_CN).withFormat(Format.PEM)
                    .withClientCertificate());
            generator.generate(new CertificateRequest().withName("stranger").withCN(CLIENT_CN).withFormat(Format.PEM)
                    .withClientCertificate());
            // Trusted, and its subject CN and DNS SAN spell the SPIFFE id of caller "spiffe": names
            // of another kind, which must not name that caller.
            generator.generate(new CertificateRequest().withName("mallory").withCN(SPIFFE_ID).withFormat(Format.PEM)
                    .withClientCertificate());
            uriCertificate(dir, "spiffe-client", SPIFFE_ID);
            lastCertificates = dir.toAbsolutePath();
            return lastCertificates;
        } catch (Exception e) {
            throw new IllegalStateException("Could not generate the test certificates", e);
        }
    }

    /** A self-signed client certificate whose one SAN is the URI {@code uri}, as SPIFFE issues them. */
    private static void uriCertificate(Path dir, String name, String uri) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        X509CertificateHolder holder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(2))), subject, keys.getPublic())
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate()));
        try (JcaPEMWriter certificate = new JcaPEMWriter(Files.newBufferedWriter(dir.resolve(name + ".crt")));
                JcaPEMWriter key = new JcaPEMWriter(Files.newBufferedWriter(dir.resolve(name + ".key")))) {
            certificate.writeObject(holder);
            key.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
        }
    }

    public static Path lastCertificates() {
        return lastCertificates;
    }

    /** The configuration the last started resource gave its service: a second instance takes the same. */
    public static Map<String, String> lastStartedConfig() {
        return lastStartedConfig;
    }

    /** The port of the last started resource's Redis. */
    public static int lastRedisPort() {
        return Integer.parseInt(lastStartedConfig.get("quarkus.redis.hosts").replaceAll(".*:", ""));
    }

    @Override
    public void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(redis,
                new TestInjector.AnnotatedAndMatchesType(InjectLocalRedis.class, LocalRedis.class));
    }
}
