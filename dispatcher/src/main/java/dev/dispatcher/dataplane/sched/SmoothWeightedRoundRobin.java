package dev.dispatcher.dataplane.sched;

/**
 * Smooth weighted round-robin (the algorithm nginx uses for upstreams): each pick adds every
 * eligible server's weight to its running score, takes the highest score and subtracts the total
 * weight from it. Over any cycle of {@code sum(weights)} picks each server gets exactly its weight,
 * and picks are interleaved: weights 5:1:1 give a a b a c a a rather than a a a a a b c, so no
 * server takes a burst of new connections.
 *
 * <p>Weight 0 means no new flows. Eligibility (for example "the server's MAC is known") is asked
 * per pick through {@link Eligibility}, so a server that becomes ineligible simply drops out of
 * the rotation. One instance per service per forwarding worker; not thread-safe.
 */
public final class SmoothWeightedRoundRobin implements FlowScheduler {
    /** Returned by {@link #pick} when no server is eligible or every weight is 0. */
    public static final int NONE = FlowScheduler.NONE;

    private final int[] servers;
    private final int[] weights;
    private final long[] current;

    /** {@code servers[i]} is the server index returned when candidate {@code i} is picked. */
    public SmoothWeightedRoundRobin(int[] servers, int[] weights) {
        if (servers.length != weights.length) {
            throw new IllegalArgumentException("servers and weights differ in length");
        }
        for (int weight : weights) {
            if (weight < 0) {
                throw new IllegalArgumentException("negative weight " + weight);
            }
        }
        this.servers = servers.clone();
        this.weights = weights.clone();
        this.current = new long[servers.length];
    }

    /** Round-robin needs no hash: every new flow takes the next turn. */
    @Override
    public int pick(long flowHash, Eligibility eligibility) {
        return pick(eligibility);
    }

    @Override
    public int peek(long flowHash, Eligibility eligibility) {
        return peek(eligibility);
    }

    public int pick(Eligibility eligibility) {
        int best = -1;
        long total = 0;
        for (int i = 0; i < servers.length; i++) {
            int weight = weights[i];
            if (weight == 0 || !eligibility.eligible(servers[i])) {
                continue;
            }
            current[i] += weight;
            total += weight;
            if (best < 0 || current[i] > current[best]) {
                best = i;
            }
        }
        if (best < 0) {
            return NONE;
        }
        current[best] -= total;
        return servers[best];
    }

    /**
     * The server {@link #pick} would return now, without taking the turn: for "explain", which
     * must tell where the next new flow goes without changing where it goes.
     */
    public int peek(Eligibility eligibility) {
        int best = -1;
        long bestScore = 0;
        for (int i = 0; i < servers.length; i++) {
            int weight = weights[i];
            if (weight == 0 || !eligibility.eligible(servers[i])) {
                continue;
            }
            long score = current[i] + weight;
            if (best < 0 || score > bestScore) {
                best = i;
                bestScore = score;
            }
        }
        return best < 0 ? NONE : servers[best];
    }

    public int size() {
        return servers.length;
    }
}
