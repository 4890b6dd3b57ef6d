package io.registrationsigner.credential;

import java.util.Map;

/**
 * A request that cannot be answered: its reason (and so its outcome), a message written for the
 * caller (no secret, no class name) and, where they help, metadata for the google.rpc.ErrorInfo.
 * No stack trace is taken: these are answers, not bugs.
 */
public class Failure extends RuntimeException {

    private final ErrorReason reason;
    private final Map<String, String> metadata;

    public Failure(ErrorReason reason, String message) {
        this(reason, message, Map.of());
    }

    public Failure(ErrorReason reason, String message, Map<String, String> metadata) {
        super(message, null, false, false);
        this.reason = reason;
        this.metadata = Map.copyOf(metadata);
    }

    public ErrorReason reason() {
        return reason;
    }

    public Outcome outcome() {
        return reason.outcome();
    }

    public Map<String, String> metadata() {
        return metadata;
    }
}
