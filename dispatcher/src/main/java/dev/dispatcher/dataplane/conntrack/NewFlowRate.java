package dev.dispatcher.dataplane.conntrack;

/**
 * A rate limit on one worker's clock, as the generic cell rate algorithm (one word of state: the
 * theoretical arrival time of the next admitted event): {@code perSecond} events a second on
 * average, bursts of up to {@code perSecond} at once after a quiet second. Owned by one thread.
 */
final class NewFlowRate {
    private static final long SECOND = 1_000_000_000L;

    /** Nanoseconds of credit one event uses. */
    private final long interval;
    /** How far ahead of now the theoretical arrival time may run: the burst. */
    private final long tolerance;
    private long theoreticalArrival;
    private boolean started;

    NewFlowRate(int perSecond) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("rate must be at least 1 a second: " + perSecond);
        }
        this.interval = Math.max(1, SECOND / perSecond);
        this.tolerance = SECOND - interval;
    }

    boolean tryAcquire(long nowNanos) {
        if (!started) {
            started = true;
            theoreticalArrival = nowNanos;
        }
        // Relative to now, so that nanoTime's wrap does not matter.
        long ahead = Math.max(0, theoreticalArrival - nowNanos);
        if (ahead > tolerance) {
            return false;
        }
        theoreticalArrival = nowNanos + ahead + interval;
        return true;
    }
}
