package dev.dispatcher.health;

import java.util.Objects;

/**
 * The outcome of one probe.
 *
 * @param success        true when the server answered as the advisor expects
 * @param reason         what was seen, for logs and status: {@code "HTTP 503"},
 *                       {@code "connect timeout after 1000 ms"}, {@code "connection refused"},
 *                       {@code "body lacks \"OK\""}, {@code "exit status 2"}, ...
 * @param durationNanos  how long the probe took
 */
public record ProbeResult(boolean success, String reason, long durationNanos) {

    public ProbeResult {
        Objects.requireNonNull(reason, "reason");
    }

    /** A success that took from {@code startNanos} (a {@link System#nanoTime()} reading) until now. */
    public static ProbeResult up(String reason, long startNanos) {
        return new ProbeResult(true, reason, System.nanoTime() - startNanos);
    }

    /** A failure that took from {@code startNanos} (a {@link System#nanoTime()} reading) until now. */
    public static ProbeResult down(String reason, long startNanos) {
        return new ProbeResult(false, reason, System.nanoTime() - startNanos);
    }
}
