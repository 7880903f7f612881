package dev.dispatcher.health;

/**
 * The verdict on one target from the stream of its probe results: separate rise and fall counts,
 * so a server goes down only after {@code fall} consecutive failures and comes back only after
 * {@code rise} consecutive successes. A success resets the failure count and a failure the success
 * count, so results that alternate never change the verdict while both counts are above 1.
 *
 * <p>A new target starts <em>up</em>, as HAProxy's servers do by default: a service starts, or a
 * server is added, taking traffic at once rather than after {@code rise x interval}, and a dead
 * server is taken out after {@code fall} probes. Only transitions are reported, so this first
 * verdict is never announced; callers assume up for a target they have just added.
 *
 * <p>Pure and single-threaded: no clock, no threads; the owner serializes calls.
 */
public final class HealthState {
    private int rise;
    private int fall;
    private boolean up = true;
    private int consecutiveSuccesses;
    private int consecutiveFailures;
    private long totalProbes;
    private long totalFailures;

    public HealthState(int rise, int fall) {
        thresholds(rise, fall);
    }

    /**
     * Changes the counts (a reloaded advisor); the verdict and the current runs are kept and the
     * next result is judged against the new counts.
     */
    public void thresholds(int rise, int fall) {
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be at least 1, got " + rise + " and " + fall);
        }
        this.rise = rise;
        this.fall = fall;
    }

    /**
     * Takes one probe result.
     *
     * @return true when the verdict changed with this result (up to down or down to up)
     */
    public boolean record(boolean success) {
        totalProbes++;
        if (success) {
            consecutiveFailures = 0;
            consecutiveSuccesses = saturatedIncrement(consecutiveSuccesses);
            if (!up && consecutiveSuccesses >= rise) {
                up = true;
                return true;
            }
        } else {
            totalFailures++;
            consecutiveSuccesses = 0;
            consecutiveFailures = saturatedIncrement(consecutiveFailures);
            if (up && consecutiveFailures >= fall) {
                up = false;
                return true;
            }
        }
        return false;
    }

    private static int saturatedIncrement(int count) {
        return count == Integer.MAX_VALUE ? count : count + 1;
    }

    public boolean up() {
        return up;
    }

    public int rise() {
        return rise;
    }

    public int fall() {
        return fall;
    }

    public int consecutiveSuccesses() {
        return consecutiveSuccesses;
    }

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    public long totalProbes() {
        return totalProbes;
    }

    public long totalFailures() {
        return totalFailures;
    }
}
