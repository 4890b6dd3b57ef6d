package io.registrationsigner.redis;

import java.util.regex.Pattern;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;

/**
 * Refuses a password inside {@code quarkus.redis.hosts} before anything reads it: when such a
 * URI does not parse (a password with a {@code |} or a {@code #}, say), the configuration's own
 * error message quotes it whole, password included. The password goes to
 * {@code quarkus.redis.password} or {@code signer.redis.password-file} instead.
 */
public class RedisHostsWithoutPassword implements ConfigSourceInterceptor {

    /** scheme://user:password@ or scheme://:password@ */
    private static final Pattern PASSWORD_IN_URI = Pattern.compile("://[^/@,]*:[^/,]*@");

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (value != null && value.getValue() != null && name.startsWith("quarkus.redis.") && name.endsWith("hosts")
                && PASSWORD_IN_URI.matcher(value.getValue()).find()) {
            throw new IllegalArgumentException(name + " holds a password, which would show in messages about it:"
                    + " give the hosts without it and the password in quarkus.redis.password"
                    + " or signer.redis.password-file");
        }
        return value;
    }
}
