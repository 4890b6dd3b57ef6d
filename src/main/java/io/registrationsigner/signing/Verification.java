package io.registrationsigner.signing;

/**
 * Whether a credential is valid and, when it is not, why: a {@link Problem} for machines and a
 * reason in words for a developer.
 *
 * @param problem null when valid
 */
public record Verification(boolean valid, Problem problem, String reason) {

    /** What is wrong with a credential. */
    public enum Problem {
        MALFORMED, WRONG_APPLICATION, WRONG_SUBJECT, WRONG_KEY_ID_DATE, WRONG_SIGNATURE, EXPIRED, NOT_YET_VALID
    }

    private static final Verification VALID = new Verification(true, null, "");

    public static Verification passed() {
        return VALID;
    }

    public static Verification failed(Problem problem, String reason) {
        return new Verification(false, problem, reason);
    }
}
