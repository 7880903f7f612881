package dev.dispatcher.dataplane.forward;

/**
 * Plain counters of one forwarding worker. Written only by the worker's thread; the control plane
 * reads them (racy but monotonic 64-bit reads on a 64-bit JVM) at scrape or status time and sums
 * over workers. No atomics: a counter per thread needs none.
 */
public final class ForwarderCounters {
    public final long[] verdictPackets = new long[Verdict.COUNT];
    public long receivedBytes;
    public long forwardedBytes;
    public long lookupHit;
    public long lookupMissSyn;
    /** A TCP segment without SYN that matched no flow: state was lost (restart, eviction, failover). */
    public long lookupMissNoSyn;
    /** Existing flows moved to another server: theirs left the service or went down (reset policy). */
    public long flowsRescheduled;
    /** By pair (server within service), see {@link ForwardingTable#MAX_PAIRS}. */
    public final long[] pairForwardedPackets;
    public final long[] pairForwardedBytes;
    public final long[] pairNewFlows;

    public ForwarderCounters(int maxPairs) {
        pairForwardedPackets = new long[maxPairs];
        pairForwardedBytes = new long[maxPairs];
        pairNewFlows = new long[maxPairs];
    }
}
