package dev.dispatcher.control;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.FlowTableConfig;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.config.WaitStrategyName;
import dev.dispatcher.dataplane.arp.ArpAgent;
import dev.dispatcher.dataplane.arp.ArpTimings;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.forward.Forwarder;
import dev.dispatcher.dataplane.forward.ForwarderCounters;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.dataplane.pipeline.FanoutPipeline;
import dev.dispatcher.dataplane.pipeline.ForwardingWorker;
import dev.dispatcher.dataplane.pipeline.InlinePipeline;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import dev.dispatcher.dataplane.pipeline.RingPipeline;
import dev.dispatcher.dataplane.pipeline.WorkerMailbox;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** Assembles workers and the pipeline for the configured threading mode; shared by run and replay. */
public final class DataPlaneFactory {
    /** Commands a worker's inbox holds in steady state: questions and handed-in flows. */
    static final int INBOX_CAPACITY = 4096;
    /** Flow events a worker can hold for the control plane before it counts them as lost. */
    static final int EVENTS_CAPACITY = 65_536;

    private DataPlaneFactory() {
    }

    public static FlowTimeouts timeouts(FlowTableConfig c) {
        return new FlowTimeouts(c.tcpSynTimeout().toNanos(), c.tcpEstablishedTimeout().toNanos(),
                c.tcpClosingTimeout().toNanos(), c.tcpResetTimeout().toNanos(), c.udpTimeout().toNanos(),
                c.tcpUnconfirmedTimeout().toNanos());
    }

    public static ArpTimings arpTimings(DispatcherConfig config) {
        var a = config.arp();
        return new ArpTimings(a.requestInterval().toNanos(), a.refreshInterval().toNanos(),
                a.expireAfter().toNanos(), a.gratuitousCount(), a.gratuitousInterval().toNanos(), true);
    }

    static WaitStrategy waitStrategy(WaitStrategyName name) {
        return switch (name) {
            case BLOCKING -> new BlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }

    /**
     * @param sinks opens the sink of a worker, once per worker in worker order (worker i sends
     *     through the i-th sink); the argument is true when that worker also polls the source
     *     (inline mode)
     */
    public static Pipeline build(DispatcherConfig config, PipelineMode mode, AtomicReference<ForwardingTable> tables,
                                 NeighbourTable neighbours, ArpTimings arpTimings, PacketSource source,
                                 Function<Boolean, PacketSink> sinks) {
        return build(config, mode, tables, neighbours, arpTimings, source, sinks, 0);
    }

    /** The workers a pipeline of {@code mode} has. */
    public static int workerCount(DispatcherConfig config, PipelineMode mode) {
        return mode == PipelineMode.INLINE ? 1 : Math.max(1, config.pipeline().workers());
    }

    /** As above, each worker's inbox holding at least {@code inboxCapacity} commands (a restore's share). */
    public static Pipeline build(DispatcherConfig config, PipelineMode mode, AtomicReference<ForwardingTable> tables,
                                 NeighbourTable neighbours, ArpTimings arpTimings, PacketSource source,
                                 Function<Boolean, PacketSink> sinks, int inboxCapacity) {
        if (mode == PipelineMode.FANOUT) {
            // One source (a capture file) cannot fan out: ring mode is the same split of flows
            // between workers, with our flow hash in the kernel's place.
            mode = PipelineMode.RING;
        }
        int workers = workerCount(config, mode);
        List<PacketSink> sinkList = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            sinkList.add(sinks.apply(mode == PipelineMode.INLINE));
        }
        List<ForwardingWorker> list = workers(config, tables, neighbours, arpTimings, sinkList, inboxCapacity);
        if (mode == PipelineMode.INLINE) {
            return new InlinePipeline(source, list.getFirst(), config.io().batchSize());
        }
        return new RingPipeline(source, list, config.io().batchSize(), config.pipeline().ringSize(),
                config.io().snaplen(), waitStrategy(config.pipeline().waitStrategy()));
    }

    /**
     * Fanout mode: one worker per source, each polling {@code sources.get(i)} and sending through
     * {@code sinks.get(i)} on its own thread. The kernel's fanout hash, not ours, splits the flows,
     * so each worker's flow table is a shard of the configured capacity as in ring mode. Worker 0
     * owns ARP: its source must also deliver the ARP frames (the afpacket backend's ARP socket).
     */
    public static FanoutPipeline buildFanout(DispatcherConfig config, AtomicReference<ForwardingTable> tables,
                                             NeighbourTable neighbours, ArpTimings arpTimings,
                                             List<PacketSource> sources, List<PacketSink> sinks) {
        return buildFanout(config, tables, neighbours, arpTimings, sources, sinks, 0);
    }

    /** As above, each worker's inbox holding at least {@code inboxCapacity} commands. */
    public static FanoutPipeline buildFanout(DispatcherConfig config, AtomicReference<ForwardingTable> tables,
                                             NeighbourTable neighbours, ArpTimings arpTimings,
                                             List<PacketSource> sources, List<PacketSink> sinks, int inboxCapacity) {
        if (sources.size() != sinks.size()) {
            throw new IllegalArgumentException(sources.size() + " sources for " + sinks.size() + " sinks");
        }
        return new FanoutPipeline(sources, workers(config, tables, neighbours, arpTimings, sinks, inboxCapacity),
                config.io().batchSize());
    }

    /** One worker per sink; the flow-table capacity split between them; ARP on worker 0. */
    private static List<ForwardingWorker> workers(DispatcherConfig config, AtomicReference<ForwardingTable> tables,
                                                  NeighbourTable neighbours, ArpTimings arpTimings,
                                                  List<PacketSink> sinks, int inboxCapacity) {
        ForwardingTable table = tables.get();
        int workers = sinks.size();
        FlowTimeouts timeouts = timeouts(config.flowTable());
        int capacityPerWorker = Math.max(1, (config.flowTable().capacity() + workers - 1) / workers);
        List<ForwardingWorker> list = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            ArpAgent arp = i == 0 ? new ArpAgent(table, neighbours, arpTimings) : null;
            ForwarderCounters counters = new ForwarderCounters(ForwardingTable.MAX_PAIRS);
            FlowTable flows = new FlowTable(capacityPerWorker, timeouts, ForwardingTable.MAX_PAIRS,
                    config.flowTable().maxNewFlowsPerSecond());
            Forwarder forwarder = new Forwarder(table, flows, neighbours, arp, counters);
            list.add(new ForwardingWorker("dispatcher-fwd-" + i, forwarder, arp, sinks.get(i), tables,
                    new WorkerMailbox(Math.max(INBOX_CAPACITY, inboxCapacity), EVENTS_CAPACITY)));
        }
        FlowTable[] all = list.stream().map(w -> w.forwarder().flows()).toArray(FlowTable[]::new);
        list.forEach(w -> w.forwarder().countActiveFlowsIn(all));
        return list;
    }

    /** Sized for every server index the control plane can hand out; static MACs arrive with the table. */
    public static NeighbourTable neighbours() {
        return new NeighbourTable(ForwardingTable.MAX_SERVERS);
    }
}
