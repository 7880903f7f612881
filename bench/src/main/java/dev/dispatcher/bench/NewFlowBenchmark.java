package dev.dispatcher.bench;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.sched.SmoothWeightedRoundRobin;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a new flow costs the data plane's state, without the packet: hash the 5-tuple, pick a real
 * server by smooth weighted round-robin (three servers, weights 3:2:1, eligibility asked of the
 * neighbour table as the forwarder does), insert the flow. The table holds {@code entries} flows
 * in a capacity of {@code 2 * entries} (half full: the table's slot load factor is then 0.31 at
 * 10k and 0.24 at 1M), and stays there: each new flow retires the oldest one (lookup and
 * backward-shift removal), which every flow pays once at the end of its life anyway, by the sweep
 * or by a lookup that finds it expired. A full table, where each insert evicts, is
 * {@link ForwarderBenchmark#newFlow}; the whole packet path of a new flow is
 * {@link ForwarderBenchmark#newFlowHalfFull}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx2g"})
public class NewFlowBenchmark {
    @Param({"10000", "1000000"})
    int entries;

    private FlowTable table;
    private SmoothWeightedRoundRobin scheduler;
    private NeighbourTable neighbours;
    /** The live flows, oldest at {@link #oldest}: a FIFO of exactly {@code entries} keys. */
    private FlowKey[] keys;
    private int oldest;
    /** Numbers the flows; a flow's key is a function of its number, so live keys never collide. */
    private long serial;
    private final long now = 1_000_000_000L;

    @Setup
    public void setUp() {
        table = new FlowTable(2 * entries, FlowTimeouts.DEFAULTS);
        neighbours = new NeighbourTable(new long[] {0x020000000011L, 0x020000000012L, 0x020000000013L});
        scheduler = new SmoothWeightedRoundRobin(new int[] {0, 1, 2}, new int[] {3, 2, 1});
        keys = new FlowKey[entries];
        for (int i = 0; i < entries; i++) {
            keys[i] = new FlowKey();
            admit(i);
        }
        if (table.size() != entries) {
            throw new IllegalStateException("expected " + entries + " flows, got " + table.size());
        }
    }

    private int admit(int at) {
        long n = serial++;
        FlowKey key = keys[at].ipv4(0xC6000000 | (int) (n >>> 16), TcpFrames.VIP, (int) (n & 0xFFFF), 80, 6);
        int server = scheduler.pick(neighbours);
        return table.insert(key, server, FlowState.TCP_SYN, now);
    }

    @Benchmark
    public int scheduleAndInsert() {
        int at = oldest;
        oldest = at + 1 == entries ? 0 : at + 1;
        table.remove(table.lookup(keys[at], now));
        return admit(at);
    }

    @TearDown
    public void check() {
        if (table.size() != entries || table.evictedCapacity() != 0) {
            throw new IllegalStateException("expected " + entries + " flows and no eviction, got " + table.size()
                    + " flows and " + table.evictedCapacity() + " evictions");
        }
    }
}
