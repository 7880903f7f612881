package dev.dispatcher.control;

import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.forward.ForwarderCounters;
import dev.dispatcher.dataplane.pipeline.ForwardingWorker;
import dev.dispatcher.dataplane.pipeline.Pipeline;

/**
 * Counters summed over all workers at one moment; the control plane's read of the data plane.
 *
 * @param evictedByState capacity evictions by the victim's {@link FlowState} code
 * @param notInserted    new flows forwarded without an entry under the new-flow rate limit
 */
public record CounterSnapshot(long[] verdicts, long receivedBytes, long forwardedBytes, long lookupHit,
                              long lookupMissSyn, long lookupMissNoSyn, long rescheduled, long flows, long flowCapacity,
                              long evictedExpired, long evictedCapacity, long[] evictedByState, long notInserted) {

    public static CounterSnapshot of(Pipeline pipeline) {
        long[] verdicts = new long[Verdict.COUNT];
        long rx = 0;
        long fwd = 0;
        long hit = 0;
        long missSyn = 0;
        long missNoSyn = 0;
        long rescheduled = 0;
        long flows = 0;
        long capacityTotal = 0;
        long expired = 0;
        long capacity = 0;
        long[] byState = new long[FlowState.MAX + 1];
        long notInserted = 0;
        for (ForwardingWorker worker : pipeline.workers()) {
            ForwarderCounters c = worker.forwarder().counters();
            for (int v = 0; v < Verdict.COUNT; v++) {
                verdicts[v] += c.verdict(v);
            }
            rx += c.get(ForwarderCounters.RECEIVED_BYTES);
            fwd += c.get(ForwarderCounters.FORWARDED_BYTES);
            hit += c.get(ForwarderCounters.LOOKUP_HIT);
            missSyn += c.get(ForwarderCounters.LOOKUP_MISS_SYN);
            missNoSyn += c.get(ForwarderCounters.LOOKUP_MISS_NO_SYN);
            rescheduled += c.get(ForwarderCounters.FLOWS_RESCHEDULED);
            capacityTotal += worker.forwarder().flows().capacity();
            flows += worker.forwarder().flows().size();
            FlowTable table = worker.forwarder().flows();
            expired += table.evictedExpired();
            capacity += table.evictedCapacity();
            for (int state = 0; state <= FlowState.MAX; state++) {
                byState[state] += table.evictedInState(state);
            }
            notInserted += table.notInserted();
        }
        verdicts[Verdict.RING_FULL] += pipeline.ringFullDrops();
        return new CounterSnapshot(verdicts, rx, fwd, hit, missSyn, missNoSyn, rescheduled, flows, capacityTotal,
                expired, capacity, byState, notInserted);
    }

    /** Capacity evictions of flows in {@code state}, a {@link FlowState} code. */
    public long evictedInState(int state) {
        return evictedByState[state];
    }

    public long received() {
        long sum = 0;
        for (long v : verdicts) {
            sum += v;
        }
        return sum;
    }

    public long dropped() {
        long sum = 0;
        for (int v = 0; v < Verdict.COUNT; v++) {
            if (Verdict.isDrop(v)) {
                sum += verdicts[v];
            }
        }
        return sum;
    }

    public long passed() {
        long sum = 0;
        for (int v = 0; v < Verdict.COUNT; v++) {
            if (Verdict.isPass(v)) {
                sum += verdicts[v];
            }
        }
        return sum;
    }

    /** One line per non-zero verdict, e.g. "forwarded 1200 (forwarded to a real server)". */
    public String verdictSummary() {
        StringBuilder s = new StringBuilder();
        for (int v = 0; v < Verdict.COUNT; v++) {
            if (verdicts[v] != 0) {
                s.append(String.format("  %-18s %-9s %12d  %s%n", Verdict.name(v), Verdict.kind(v), verdicts[v],
                        Verdict.description(v)));
            }
        }
        return s.toString();
    }
}
