package dev.dispatcher.bench;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.forward.Forwarder;
import dev.dispatcher.dataplane.forward.ForwarderCounters;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.packet.PacketBuffer;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The whole per-packet decision and MAC rewrite ({@link Forwarder#process}, the sink a no-op), for
 * an established flow and for the first packet of a new flow (lookup miss, checksum check,
 * schedule, insert). A new flow is measured twice: into a table at half its capacity, the steady
 * state of a dispatcher that is sized right, and into a full table, where every insert first
 * evicts (the worst case, not the usual one). {@link CodecBenchmark} is the baseline.
 *
 * <p>Each state checks at tear-down that every frame was forwarded and that the table really was
 * in the condition the benchmark claims (no eviction at half load, eviction when full), so a
 * change in the dispatcher cannot silently turn one case into another.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx2g", "--enable-native-access=ALL-UNNAMED"})
public class ForwarderBenchmark {
    static final long OWN_MAC = 0x020000000002L;
    /** Simulated time between two frames: the clock must move for expiry to mean anything. */
    static final long STEP_NANOS = 1000;

    static final PacketSink SINK = new PacketSink() {
        @Override
        public boolean send(PacketBuffer frame) {
            return true;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /** One VIP:80 with three real servers, weights 3:2:1, MACs static (no ARP needed). */
    static Forwarder forwarder(FlowTable flows) {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(OWN_MAC).ownIp(0xC6120002).mtu(1500);
        int rs1 = b.server(0xC612000B, 0x020000000011L);
        int rs2 = b.server(0xC612000C, 0x020000000012L);
        int rs3 = b.server(0xC612000D, 0x020000000013L);
        b.service(TcpFrames.VIP, 80, 6, new int[] {rs1, rs2, rs3}, new int[] {3, 2, 1});
        ForwardingTable table = b.build(1);
        NeighbourTable neighbours = new NeighbourTable(new long[] {0x020000000011L, 0x020000000012L, 0x020000000013L});
        return new Forwarder(table, flows, neighbours, null, new ForwarderCounters(table.serverCount()));
    }

    static void requireAllForwarded(Forwarder forwarder, String benchmark) {
        long[] verdicts = forwarder.counters().verdicts();
        long all = Arrays.stream(verdicts).sum();
        if (all == 0 || verdicts[Verdict.FORWARDED] != all) {
            StringBuilder counts = new StringBuilder();
            for (int v = 0; v < verdicts.length; v++) {
                if (verdicts[v] != 0) {
                    counts.append(' ').append(Verdict.name(v)).append('=').append(verdicts[v]);
                }
            }
            throw new IllegalStateException(benchmark + ": not every frame was forwarded, verdicts:" + counts);
        }
    }

    /**
     * One established flow in a small table: the per-packet cost without cache misses. Sixteen
     * copies of its segment are used in turn and each gets its destination MAC back after it was
     * forwarded, so a frame is read 16 operations after the harness wrote it, as a received frame
     * is read long after the kernel wrote it; reading bytes just stored (the rewrite restored right
     * before the parse) stalls on store-to-load forwarding and measured 65 ns for the parse alone.
     */
    @State(Scope.Thread)
    public static class Established {
        static final int COPIES = 16;
        Forwarder forwarder;
        PacketBuffer[] frames;
        int next;
        long now = 1_000_000_000L;

        @Setup
        public void setUp() {
            forwarder = forwarder(new FlowTable(1024, FlowTimeouts.DEFAULTS));
            frames = new PacketBuffer[COPIES];
            for (int i = 0; i < COPIES; i++) {
                frames[i] = PacketBuffer.ofArray(TcpFrames.segment(40000, false));
            }
        }

        @TearDown
        public void check() {
            requireAllForwarded(forwarder, "establishedFlow");
            if (forwarder.counters().get(ForwarderCounters.LOOKUP_HIT) == 0) {
                throw new IllegalStateException("establishedFlow: the flow was never found in the table");
            }
        }
    }

    /**
     * SYNs of 4096 flows into a table of 1024: every SYN misses and evicts the entry nearest to
     * expiry in its neighbourhood, the worst new-flow path.
     */
    @State(Scope.Thread)
    public static class FullTable {
        static final int FLOWS = 4096;
        Forwarder forwarder;
        PacketBuffer[] syns;
        int next;
        long now = 1_000_000_000L;

        @Setup
        public void setUp() {
            forwarder = forwarder(new FlowTable(1024, FlowTimeouts.DEFAULTS));
            syns = new PacketBuffer[FLOWS];
            for (int i = 0; i < FLOWS; i++) {
                syns[i] = PacketBuffer.ofArray(TcpFrames.segment(10000 + i, true));
            }
        }

        @TearDown
        public void check() {
            requireAllForwarded(forwarder, "newFlow");
            if (forwarder.flows().evictedCapacity() == 0) {
                throw new IllegalStateException("newFlow: the table never evicted, so it was not full");
            }
        }
    }

    /**
     * SYNs of {@code flows} distinct flows, in turn, into a table of capacity {@code 2 * flows}
     * (half full; the table's own slot load factor is then 0.31 at 10k and 0.24 at 1M). The SYN
     * timeout is half a round, so by the time a 5-tuple comes round again its entry has expired:
     * the lookup removes it, as a lookup meeting an expired flow does, and the SYN takes the new
     * flow path (checksum, schedule, insert). The table thus holds exactly {@code flows} entries,
     * never evicts, and every new flow pays one removal, as every flow does once in its life. At
     * 1M the frames themselves (54 MB) come from memory, as they would from a receive ring.
     */
    @State(Scope.Thread)
    public static class HalfFull {
        @Param({"10000", "1000000"})
        int flows;

        Forwarder forwarder;
        MemorySegment frames;
        final PacketBuffer frame = new PacketBuffer();
        int next;
        long now = 1_000_000_000L;

        @Setup(Level.Trial)
        public void setUp() {
            long synTimeoutNanos = flows * STEP_NANOS / 2;
            FlowTimeouts d = FlowTimeouts.DEFAULTS;
            FlowTimeouts timeouts = new FlowTimeouts(synTimeoutNanos, d.tcpEstablishedNanos(), d.tcpClosingNanos(),
                    d.tcpResetNanos(), d.udpNanos());
            forwarder = forwarder(new FlowTable(2 * flows, timeouts));
            byte[] all = new byte[flows * TcpFrames.LENGTH];
            for (int i = 0; i < flows; i++) {
                TcpFrames.write(all, i * TcpFrames.LENGTH, 0xC6120000 | (1 + (i >>> 15)), 1024 + (i & 0x7FFF), true);
            }
            frames = MemorySegment.ofArray(all);
            // One full round fills the table; from then on each 5-tuple finds its entry expired.
            for (int i = 0; i < flows; i++) {
                nextSyn();
            }
            if (forwarder.flows().size() != flows) {
                throw new IllegalStateException("newFlowHalfFull: " + forwarder.flows().size()
                        + " flows after the first round");
            }
        }

        int nextSyn() {
            int i = next;
            next = i + 1 == flows ? 0 : i + 1;
            frame.wrap(frames, (long) i * TcpFrames.LENGTH, TcpFrames.LENGTH);
            now += STEP_NANOS;
            int verdict = forwarder.process(frame, TcpFrames.LENGTH, now, SINK);
            // Restored after use: read again only a whole round later (see Established).
            frame.putU48(0, OWN_MAC);
            return verdict;
        }

        @TearDown
        public void check() {
            requireAllForwarded(forwarder, "newFlowHalfFull");
            FlowTable table = forwarder.flows();
            if (table.evictedCapacity() != 0 || table.size() != flows
                    || forwarder.counters().get(ForwarderCounters.LOOKUP_HIT) != 0) {
                throw new IllegalStateException("newFlowHalfFull: expected " + flows
                        + " flows, no hit, no eviction; got " + table.size() + " flows, "
                        + forwarder.counters().get(ForwarderCounters.LOOKUP_HIT) + " hits, "
                        + table.evictedCapacity() + " evictions");
            }
        }
    }

    @Benchmark
    public int establishedFlow(Established s) {
        PacketBuffer frame = s.frames[s.next];
        s.next = (s.next + 1) & (Established.COPIES - 1);
        s.now += STEP_NANOS;
        int verdict = s.forwarder.process(frame, frame.length(), s.now, SINK);
        frame.putU48(0, OWN_MAC);
        return verdict;
    }

    @Benchmark
    public int newFlow(FullTable s) {
        PacketBuffer frame = s.syns[s.next];
        s.next = (s.next + 1) & (FullTable.FLOWS - 1);
        s.now += STEP_NANOS;
        int verdict = s.forwarder.process(frame, frame.length(), s.now, SINK);
        frame.putU48(0, OWN_MAC);
        return verdict;
    }

    @Benchmark
    public int newFlowHalfFull(HalfFull s) {
        return s.nextSyn();
    }
}
