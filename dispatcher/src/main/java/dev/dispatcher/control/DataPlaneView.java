package dev.dispatcher.control;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.forward.ForwarderCounters;
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
        return sum(pair, ForwarderCounters.PAIR_NEW_FLOWS);
    }

    public long forwardedPackets(int pair) {
        return sum(pair, ForwarderCounters.PAIR_FORWARDED_PACKETS);
    }

    public long forwardedBytes(int pair) {
        return sum(pair, ForwarderCounters.PAIR_FORWARDED_BYTES);
    }

    private long sum(int pair, int kind) {
        long sum = 0;
        for (ForwardingWorker worker : pipeline.workers()) {
            sum += worker.forwarder().counters().pair(kind, pair);
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
        FlowKey key = new FlowKey().ipv4(clientIp, vip, clientPort, vipPort, protocol);
        long now = System.nanoTime();
        var workers = pipeline.workers();
        int home = key.shard(workers.size());
        for (int i = 0; i < workers.size(); i++) {
            FlowTable flows = workers.get((home + i) % workers.size()).forwarder().flows();
            int slot = flows.peek(key, now);
            if (slot != FlowTable.MISS) {
                return new FlowPeek(flows.pairAt(slot), FlowState.name(flows.stateAt(slot)));
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
