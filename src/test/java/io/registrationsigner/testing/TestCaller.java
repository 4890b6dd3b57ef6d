package io.registrationsigner.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

/** A calling service the tests configure, with its (test-only) bearer token. */
public record TestCaller(String name, String token, String applications, boolean gateway) {

    /** Any application, any user. */
    public static final TestCaller BACKEND = new TestCaller("backend", "backend-Zt8Qf2vN7xW1", "*", false);
    /** Only the end user it asserts, only application "vector". */
    public static final TestCaller GATEWAY = new TestCaller("gateway", "gateway-Lk3Rp9sD4mH6", "vector", true);
    /** Only application "other". */
    public static final TestCaller LIMITED = new TestCaller("limited", "limited-Yc5Tb8nJ2qG7", "other", false);

    public static final List<String> ALL_TOKENS = List.of(BACKEND.token, GATEWAY.token, LIMITED.token);

    public static final String USER_HEADER = "x-end-user-id";

    public void putInto(Map<Object, Object> config) {
        String prefix = "signer.auth.callers." + name + ".";
        config.put(prefix + "token-sha256", sha256Hex(token));
        config.put(prefix + "applications", applications);
        config.put(prefix + "gateway", Boolean.toString(gateway));
    }

    /** Sends this caller's bearer token with every call. */
    public ClientInterceptor credentials() {
        return headers("authorization", "Bearer " + token);
    }

    public static ClientInterceptor headers(String... namesAndValues) {
        Metadata metadata = new Metadata();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            metadata.put(Metadata.Key.of(namesAndValues[i], Metadata.ASCII_STRING_MARSHALLER), namesAndValues[i + 1]);
        }
        return MetadataUtils.newAttachHeadersInterceptor(metadata);
    }

    private static String sha256Hex(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
