package dev.dispatcher.dataplane.forward;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.sched.FlowScheduler;
import dev.dispatcher.dataplane.sched.SmoothWeightedRoundRobin;

/**
 * The schedule stage's state for one worker: per service of the current table, the scheduler of
 * new flows (this worker's own round-robin, or the service's shared Maglev table) and the Maglev
 * table that places a TCP segment without SYN that missed the flow table. A pair is eligible
 * while its server's MAC is known.
 */
public final class Schedulers implements FlowScheduler.Eligibility {
    /** Returned by {@link #pick} and {@link #peek} when no pair can take a new flow. */
    public static final int NONE = FlowScheduler.NONE;

    private final NeighbourTable neighbours;
    private ForwardingTable table;
    private FlowScheduler[] newFlows = new FlowScheduler[0];

    Schedulers(NeighbourTable neighbours) {
        this.neighbours = neighbours;
    }

    /** Schedulers for a new table; control path (allocates), between batches. */
    void adopt(ForwardingTable newTable) {
        FlowScheduler[] fresh = new FlowScheduler[newTable.serviceCount()];
        for (int s = 0; s < fresh.length; s++) {
            fresh[s] = newTable.usesMaglev(s) ? newTable.maglev(s)
                    : new SmoothWeightedRoundRobin(newTable.servicePairs(s), newTable.serviceWeights(s));
        }
        this.newFlows = fresh;
        this.table = newTable;
    }

    /** The pair for a new flow of {@code service}, taking its turn; {@link #NONE} when none is eligible. */
    int pick(int service, long flowHash) {
        return newFlows[service].pick(flowHash, this);
    }

    /**
     * The pair for a TCP segment without SYN that missed the flow table (a restart, an eviction, a
     * flow another dispatcher started): the service's Maglev table, whatever its scheduler, so
     * that an established flow of a {@code maglev} port lands where it was.
     */
    int placeLost(int service, long flowHash) {
        return table.maglev(service).pick(flowHash, this);
    }

    /** The pair {@link #pick} would choose now, without taking the turn. Owning thread only. */
    public int peek(int service, long flowHash) {
        return service >= 0 && service < newFlows.length ? newFlows[service].peek(flowHash, this) : NONE;
    }

    @Override
    public boolean eligible(int pair) {
        return neighbours.eligible(table.pairServer(pair));
    }
}
