package io.registrationsigner.auth;

import java.util.Set;

/**
 * An authenticated caller and what it may do.
 *
 * @param applications names of the applications it may use; {@code null} for all
 * @param gateway whether it may ask only for the end user it asserts
 */
public record Caller(String name, Set<String> applications, boolean gateway) {

    public static final Caller ANONYMOUS = new Caller("anonymous", null, false);

    public boolean mayUse(String applicationName) {
        return applications == null || applications.contains(applicationName);
    }
}
