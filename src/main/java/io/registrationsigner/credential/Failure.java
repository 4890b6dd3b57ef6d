package io.registrationsigner.credential;

/**
 * A request that cannot be answered, with its outcome and a message written for the caller: no
 * secret, no class name. No stack trace is taken: these are answers, not bugs.
 */
public class Failure extends RuntimeException {

    private final Outcome outcome;

    public Failure(Outcome outcome, String message) {
        super(message, null, false, false);
        this.outcome = outcome;
    }

    public Outcome outcome() {
        return outcome;
    }
}
