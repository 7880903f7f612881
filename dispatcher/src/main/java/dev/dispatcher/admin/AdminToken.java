package dev.dispatcher.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The secret that every change must present as {@code Authorization: Bearer <token>}, or the reason
 * there is none. Only a SHA-256 digest of the secret is kept: comparing two digests of equal length
 * with {@link MessageDigest#isEqual} takes the same time whatever the presented token is, so
 * neither its content nor its length can be found by timing.
 */
public final class AdminToken {
    private final byte[] digest;
    private final String problem;

    private AdminToken(byte[] digest, String problem) {
        this.digest = digest;
        this.problem = problem;
    }

    /** A usable token; {@code secret} must not be blank. */
    public static AdminToken of(String secret) {
        if (secret.isBlank()) {
            throw new IllegalArgumentException("a token must not be blank");
        }
        return new AdminToken(sha256(secret), null);
    }

    /** No usable token: every change is refused with {@code problem} (one line, says how to fix it). */
    public static AdminToken unusable(String problem) {
        return new AdminToken(null, Objects.requireNonNull(problem, "problem"));
    }

    public boolean usable() {
        return digest != null;
    }

    /** Why there is no usable token, or null when there is one. */
    public String problem() {
        return problem;
    }

    /** True when {@code presented} is the token; always false for an unusable one. */
    public boolean matches(String presented) {
        return digest != null && presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return usable() ? "AdminToken[configured]" : "AdminToken[unusable: " + problem + "]";
    }
}
