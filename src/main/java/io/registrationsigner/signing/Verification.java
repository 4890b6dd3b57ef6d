package io.registrationsigner.signing;

/** Whether a credential is valid and, when it is not, why, in words for a developer. */
public record Verification(boolean valid, String reason) {

    private static final Verification VALID = new Verification(true, "");

    public static Verification passed() {
        return VALID;
    }

    public static Verification failed(String reason) {
        return new Verification(false, reason);
    }
}
