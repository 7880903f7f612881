package dev.dispatcher.control;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowHash;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.pipeline.ForwardingWorker;
import dev.dispatcher.dataplane.pipeline.Pipeline;

/**
 * The control plane's read-only window onto a running data plane: counters, active flows and
 * MACs by server index, and a peek into the flow table for "explain". Reads plain fields written
 * by the workers; values may be a moment old, never torn.
 */
public final class DataPlaneView {
    private final Pipeline pipeline;
    private final NeighbourTable neighbours;

    public DataPlaneView(Pipeline pipeline, NeighbourTable neighbours) {
        this.pipeline = pipeline;
        this.neighbours = neighbours;
    }

    public CounterSnapshot counters() {
        return CounterSnapshot.of(pipeline);
    }

    /** Flows of a pair (server within service) that have not closed, over all workers. */
    public long activeFlows(int pair) {
        long sum = 0;
        for (ForwardingWorker worker : pipeline.workers()) {
            sum += worker.forwarder().flows().activeFlows(pair);
        }
        return sum;
    }

    public long newFlows(int pair) {
        return sum(pair, 0);
    }

    public long forwardedPackets(int pair) {
        return sum(pair, 1);
    }

    public long forwardedBytes(int pair) {
        return sum(pair, 2);
    }

    private long sum(int pair, int which) {
        long sum = 0;
        for (ForwardingWorker worker : pipeline.workers()) {
            var c = worker.forwarder().counters();
            long[] counts = which == 0 ? c.pairNewFlows : which == 1 ? c.pairForwardedPackets : c.pairForwardedBytes;
            sum += pair < counts.length ? counts[pair] : 0;
        }
        return sum;
    }

    public long mac(int server) {
        return server < neighbours.size() ? neighbours.mac(server) : NeighbourTable.UNKNOWN;
    }

    public boolean macStatic(int server) {
        return server < neighbours.size() && neighbours.isStatic(server);
    }

    /** The pair id and state name of a live flow, or null. */
    public FlowPeek peek(int clientIp, int clientPort, int vip, int vipPort, int protocol) {
        long high = FlowHash.keyHigh(clientIp, vip);
        long low = FlowHash.keyLow(clientPort, vipPort, protocol);
        long hash = FlowHash.hash(high, low);
        long now = System.nanoTime();
        // Inline and ring mode: our flow hash picked the worker. Fanout mode: the kernel's hash
        // did, which we cannot compute here, so every worker's table is searched (a flow lives in
        // one of them); the hash's shard first, where inline and ring keep it.
        var workers = pipeline.workers();
        int home = FlowHash.shard(hash, workers.size());
        for (int i = 0; i < workers.size(); i++) {
            FlowTable flows = workers.get((home + i) % workers.size()).forwarder().flows();
            int slot = flows.peek(high, low, hash, now);
            if (slot != FlowTable.MISS) {
                return new FlowPeek(flows.serverAt(slot), FlowState.name(flows.stateAt(slot)));
            }
        }
        return null;
    }

    public record FlowPeek(int pair, String state) {
    }

    public Pipeline pipeline() {
        return pipeline;
    }
}
