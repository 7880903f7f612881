package dev.dispatcher.dataplane.sched;

/**
 * Picks the backend (a pair id) of a new flow. One instance per service per worker; the hot path
 * calls {@link #pick} once per new flow, with the flow's hash (which a hashing scheduler uses and
 * a round-robin one ignores) and who may take flows right now.
 */
public interface FlowScheduler {
    /** Returned when no backend may take the flow. */
    int NONE = -1;

    /** Which backends may take new flows right now (their MAC is known). */
    @FunctionalInterface
    interface Eligibility {
        boolean eligible(int backend);
    }

    /** The backend for a new flow with this hash, taking a turn where the scheduler has turns. */
    int pick(long flowHash, Eligibility eligibility);

    /** The backend {@link #pick} would return now, changing nothing. */
    int peek(long flowHash, Eligibility eligibility);
}
