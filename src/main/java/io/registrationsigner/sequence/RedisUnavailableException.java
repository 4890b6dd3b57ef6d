package io.registrationsigner.sequence;

/** Redis did not answer in time or failed. The message is safe to show to callers; the cause is not. */
public class RedisUnavailableException extends RuntimeException {

    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
