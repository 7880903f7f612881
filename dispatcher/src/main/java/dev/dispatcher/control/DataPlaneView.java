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

    public CounterSnapshot counters(int servers) {
        return CounterSnapshot.of(pipeline, servers);
    }

    public long activeFlows(int server) {
        long sum = 0;
        for (ForwardingWorker worker : pipeline.workers()) {
            sum += worker.forwarder().flows().activeFlows(server);
        }
        return sum;
    }

    public long newFlows(int server) {
        long sum = 0;
        for (ForwardingWorker worker : pipeline.workers()) {
            long[] counts = worker.forwarder().counters().serverNewFlows;
            sum += server < counts.length ? counts[server] : 0;
        }
        return sum;
    }

    public long mac(int server) {
        return server < neighbours.size() ? neighbours.mac(server) : NeighbourTable.UNKNOWN;
    }

    public boolean macStatic(int server) {
        return server < neighbours.size() && neighbours.isStatic(server);
    }

    /** The server index and state name of a live flow, or null. */
    public FlowPeek peek(int clientIp, int clientPort, int vip, int vipPort, int protocol) {
        long high = FlowHash.keyHigh(clientIp, vip);
        long low = FlowHash.keyLow(clientPort, vipPort, protocol);
        long hash = FlowHash.hash(high, low);
        var workers = pipeline.workers();
        FlowTable flows = workers.get(FlowHash.shard(hash, workers.size())).forwarder().flows();
        int slot = flows.peek(high, low, hash, System.nanoTime());
        if (slot == FlowTable.MISS) {
            return null;
        }
        return new FlowPeek(flows.serverAt(slot), FlowState.name(flows.stateAt(slot)));
    }

    public record FlowPeek(int server, String state) {
    }

    public Pipeline pipeline() {
        return pipeline;
    }
}
