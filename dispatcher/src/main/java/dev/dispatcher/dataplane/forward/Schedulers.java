package dev.dispatcher.dataplane.forward;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.sched.FlowScheduler;
import dev.dispatcher.dataplane.sched.SmoothWeightedRoundRobin;

/**
 * The schedule stage's state for one worker: per service of the current table, the scheduler of
 * new flows (this worker's own round-robin, or the service's shared Maglev table) and the Maglev
 * table that places a TCP segment without SYN that missed the flow table. A pair is eligible
 * while its server's MAC is known; for a new flow, also while it is below its connection limit.
 *
 * <p>Connection limits (IPVS's upper and lower thresholds): a pair whose active flows, summed
 * over every worker's table, reach its {@code max-connections} gets no new flows until they fall
 * below its lower mark. Each worker keeps its own "at limit" flags (one writer each) and reads
 * the other workers' counts with acquire loads; workers may see a count a few flows late, so a
 * burst can pass the limit by about a batch per worker. A segment without SYN that missed the
 * table is not a new connection and ignores the limit: it goes where Maglev puts it.
 */
public final class Schedulers implements FlowScheduler.Eligibility {
    /** Returned by {@link #pick} and {@link #peek} when no pair can take a new flow. */
    public static final int NONE = FlowScheduler.NONE;
    /**
     * How many other places of a Maglev table a new flow tries when its own pair is at its limit
     * (the IPVS mh scheduler's fallback does likewise): a few, so a full server's share spreads.
     */
    static final int MAGLEV_FALLBACKS = 16;

    private final NeighbourTable neighbours;
    /** New-flow eligibility: MAC known and below the connection limit. */
    private final FlowScheduler.Eligibility belowLimit = this::eligibleForNewFlow;
    /** Per pair, whether it is at its limit as this worker last saw it. */
    private final boolean[] atLimit = new boolean[ForwardingTable.MAX_PAIRS];
    private FlowTable[] activeCounts = new FlowTable[0];
    private ForwardingTable table;
    private FlowScheduler[] newFlows = new FlowScheduler[0];
    /** Whether the last {@link #pick} passed over a pair at its limit. */
    private boolean sawFull;

    Schedulers(NeighbourTable neighbours) {
        this.neighbours = neighbours;
    }

    /**
     * The tables whose active counts make up a pair's connections: every worker's. Set before the
     * workers start (thread start orders it); a worker alone counts its own table.
     */
    void countActiveIn(FlowTable[] tables) {
        this.activeCounts = tables.clone();
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
        sawFull = false;
        FlowScheduler scheduler = newFlows[service];
        int pair = scheduler.pick(flowHash, belowLimit);
        if (pair == NONE && sawFull && table.usesMaglev(service)) {
            long h = flowHash;
            for (int k = 0; k < MAGLEV_FALLBACKS && pair == NONE; k++) {
                h = Long.rotateLeft(h * 0x9E37_79B9_7F4A_7C15L, 31) ^ k;
                pair = scheduler.pick(h, belowLimit);
            }
        }
        return pair;
    }

    /** Whether the last {@link #pick} found a pair at its connection limit (a NONE then means "all full"). */
    boolean sawFull() {
        return sawFull;
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
        return service >= 0 && service < newFlows.length ? newFlows[service].peek(flowHash, belowLimit) : NONE;
    }

    @Override
    public boolean eligible(int pair) {
        return neighbours.eligible(table.pairServer(pair));
    }

    private boolean eligibleForNewFlow(int pair) {
        return eligible(pair) && !(table.hasConnectionLimits() && atLimit(pair));
    }

    /** Whether a pair is at its limit, with the hysteresis of its lower mark; records a full one. */
    private boolean atLimit(int pair) {
        int max = table.maxConnections(pair);
        if (max == 0) {
            return false;
        }
        long active = 0;
        for (FlowTable t : activeCounts) {
            active += t.activeFlows(pair);
        }
        boolean full = atLimit[pair] ? active >= table.minConnections(pair) : active >= max;
        atLimit[pair] = full;
        sawFull |= full;
        return full;
    }
}
