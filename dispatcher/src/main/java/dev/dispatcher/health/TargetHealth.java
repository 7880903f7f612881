package dev.dispatcher.health;

/**
 * A snapshot of one target's health, for status pages and metrics.
 *
 * @param target               what is probed
 * @param up                   the current verdict
 * @param lastReason           the last probe's reason ({@code "no probe yet"} before the first)
 * @param lastDurationNanos    how long the last probe took (0 before the first)
 * @param consecutiveSuccesses the current run of successes
 * @param consecutiveFailures  the current run of failures
 * @param totalProbes          probes since the target was added
 * @param totalFailures        failed probes since the target was added
 */
public record TargetHealth(ProbeTarget target, boolean up, String lastReason, long lastDurationNanos,
        int consecutiveSuccesses, int consecutiveFailures, long totalProbes, long totalFailures) {
}
