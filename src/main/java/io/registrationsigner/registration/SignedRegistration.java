package io.registrationsigner.registration;

/** A legacy credential: the sequence and its signature. */
public record SignedRegistration(String userId, String applicationKey, long sequence, String signature) {
}
