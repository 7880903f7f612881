package dev.dispatcher.dataplane.forward;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.sched.SmoothWeightedRoundRobin;

/**
 * The schedule stage's state for one worker: a scheduler per service of the current table, over
 * the service's pairs, where a pair is eligible while its server's MAC is known.
 */
public final class Schedulers implements SmoothWeightedRoundRobin.Eligibility {
    /** Returned by {@link #pick} and {@link #peek} when no pair can take a new flow. */
    public static final int NONE = SmoothWeightedRoundRobin.NONE;

    private final NeighbourTable neighbours;
    private ForwardingTable table;
    private SmoothWeightedRoundRobin[] byService = new SmoothWeightedRoundRobin[0];

    Schedulers(NeighbourTable neighbours) {
        this.neighbours = neighbours;
    }

    /** Fresh schedulers for a new table; control path (allocates), between batches. */
    void adopt(ForwardingTable newTable) {
        SmoothWeightedRoundRobin[] fresh = new SmoothWeightedRoundRobin[newTable.serviceCount()];
        for (int s = 0; s < fresh.length; s++) {
            fresh[s] = new SmoothWeightedRoundRobin(newTable.servicePairs(s), newTable.serviceWeights(s));
        }
        this.byService = fresh;
        this.table = newTable;
    }

    /** The pair for a new flow of {@code service}, taking its turn; {@link #NONE} when none is eligible. */
    int pick(int service) {
        return byService[service].pick(this);
    }

    /** The pair {@link #pick} would choose now, without taking the turn. Owning thread only. */
    public int peek(int service) {
        return service >= 0 && service < byService.length ? byService[service].peek(this) : NONE;
    }

    @Override
    public boolean eligible(int pair) {
        return neighbours.eligible(table.pairServer(pair));
    }
}
