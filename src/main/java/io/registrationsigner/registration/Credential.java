package io.registrationsigner.registration;

/** A credential to verify: a legacy signature of a sequence, or a registration token. */
public sealed interface Credential {

    record Legacy(long sequence, String signature) implements Credential {
    }

    record Token(String token) implements Credential {
    }
}
