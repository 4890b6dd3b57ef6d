package io.registrationsigner.sequence;

/** Redis could not hand out a sequence. The message is safe to show to callers; the cause is not. */
public class SequenceUnavailableException extends RuntimeException {

    public SequenceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
