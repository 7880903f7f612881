package dev.dispatcher.control;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.forward.ForwarderCounters;
import dev.dispatcher.dataplane.pipeline.FlowRecord;
import dev.dispatcher.dataplane.pipeline.FlowRing;
import dev.dispatcher.dataplane.pipeline.ForwardingWorker;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import dev.dispatcher.dataplane.pipeline.WorkerMailbox;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control plane's window onto a running data plane: counters, active flows and MACs by server
 * index (read with acquire loads; a moment old, never torn), and the workers' mailboxes: questions
 * about a flow ("explain") and flows handed in are answered and taken by the worker that owns the
 * flow, never read from a table another thread is changing.
 */
public final class DataPlaneView {
    private final AtomicLong requests = new AtomicLong();
    private final Map<Long, CompletableFuture<FlowAnswer>> pending = new ConcurrentHashMap<>();
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

    /**
     * Where a flow goes now, told by the worker that owns it: its entry ({@code found}, with its
     * pair, state and time left), or the pair the next new flow with this key would get ({@code
     * pair} -1: none is eligible), taking no scheduler turn. Null when the worker did not answer
     * within {@code timeout} (a stopped pipeline). The worker answers at the top of its next
     * batch, within one poll timeout when idle.
     */
    public FlowAnswer ask(FlowKey key, Duration timeout) throws InterruptedException {
        long request = requests.incrementAndGet();
        CompletableFuture<FlowAnswer> answer = new CompletableFuture<>();
        pending.put(request, answer);
        try {
            WorkerMailbox mailbox = owner(key).mailbox();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!mailbox.peek(key, request)) {
                if (System.nanoTime() - deadline > 0) {
                    return null;
                }
                Thread.sleep(1);
            }
            while (!answer.isDone() && System.nanoTime() - deadline < 0) {
                mailbox.drainReplies(this::onReply);
                if (!answer.isDone()) {
                    Thread.sleep(1);
                }
            }
            return answer.getNow(null);
        } finally {
            pending.remove(request);
        }
    }

    private void onReply(FlowRecord reply) {
        CompletableFuture<FlowAnswer> waiting = pending.get(reply.request());
        if (waiting != null) {
            boolean found = reply.kind() == FlowRecord.FOUND;
            waiting.complete(new FlowAnswer(found, reply.pair(), found ? FlowState.name(reply.state()) : null,
                    reply.nanos()));
        }
    }

    /** The worker whose shard holds the flow: the one its packets reach, in every mode. */
    public ForwardingWorker owner(FlowKey key) {
        var workers = pipeline.workers();
        return workers.get(key.shard(workers.size()));
    }

    /**
     * Hands a flow to the worker that owns it (a restored or synced flow), to be held for {@code
     * lifetimeNanos}; false when its inbox is full.
     */
    public boolean handOver(FlowKey key, int pair, int state, long lifetimeNanos) {
        return owner(key).mailbox().insert(key, pair, state, lifetimeNanos);
    }

    /** Turns every worker's flow events on or off. */
    public void wantFlowEvents(boolean wanted) {
        for (ForwardingWorker worker : pipeline.workers()) {
            worker.mailbox().wantEvents(wanted);
        }
    }

    /**
     * Asks every worker for a bulk copy of its flows as events, each ending with a DUMP_DONE that
     * carries {@code request}; returns how many workers could not be asked (a full inbox): ask
     * those again with {@link #dumpFlows(long, int)}.
     */
    public int dumpFlows(long request) {
        return dumpFlows(request, 0);
    }

    /** As above, from worker {@code from} on; returns the first worker not asked, or the count when all were. */
    public int dumpFlows(long request, int from) {
        var workers = pipeline.workers();
        for (int w = from; w < workers.size(); w++) {
            if (!workers.get(w).mailbox().dump(request)) {
                return w;
            }
        }
        return workers.size();
    }

    /** Flow events lost to full outboxes, over all workers. */
    public long flowEventsLost() {
        long sum = 0;
        for (ForwardingWorker worker : pipeline.workers()) {
            sum += worker.mailbox().eventsLost();
        }
        return sum;
    }

    /** Asks the owning worker to drop a flow; false when its inbox is full. */
    public boolean remove(FlowKey key) {
        return owner(key).mailbox().remove(key);
    }

    public int workerCount() {
        return pipeline.workers().size();
    }

    /** Takes up to {@code max} flow events from each worker's outbox; returns how many. */
    public int drainFlowEvents(FlowRing.Handler handler, int max) {
        int n = 0;
        for (ForwardingWorker worker : pipeline.workers()) {
            n += worker.mailbox().drainEvents(handler, max);
        }
        return n;
    }

    /**
     * A worker's answer about one flow.
     *
     * @param found          the flow has an entry
     * @param pair           its pair, or for a new flow the pair it would get (-1: none eligible)
     * @param state          its state name, null for a new flow
     * @param remainingNanos how long the entry lives without another packet (0 for a new flow)
     */
    public record FlowAnswer(boolean found, int pair, String state, long remainingNanos) {
    }

    public Pipeline pipeline() {
        return pipeline;
    }
}
