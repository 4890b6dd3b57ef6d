package io.registrationsigner.application;

/**
 * One configured Sinch application. {@link #toString()} leaves the secret out, so that an
 * application can be logged or put in an exception message safely.
 *
 * @param name the operator's name for it, from {@code signer.applications.<name>}
 * @param key the Sinch Application Key
 * @param secret the Sinch Application Secret, Base64 text
 */
public record Application(String name, String key, String secret) {

    @Override
    public String toString() {
        return "Application[name=" + name + ", key=" + key + "]";
    }
}
