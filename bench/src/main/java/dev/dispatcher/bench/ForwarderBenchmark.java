package dev.dispatcher.bench;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.forward.Forwarder;
import dev.dispatcher.dataplane.forward.ForwarderCounters;
import dev.dispatcher.dataplane.forward.ForwardingTable;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.packet.EthernetFrame;
import dev.dispatcher.packet.Ipv4Packet;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.packet.TcpSegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-packet decision and MAC rewrite, for an established flow and for a new flow (schedule,
 * checksum check of the first packet, insert into a full table with eviction), against a
 * baseline that only parses the headers.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"})
public class ForwarderBenchmark {
    private static final long OWN_MAC = 0x020000000002L;
    private static final int FLOWS = 4096;

    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private Forwarder forwarder;
    private PacketBuffer established;
    private PacketBuffer[] syns;
    private int next;
    private long now = 1_000_000_000L;
    private final PacketSink sink = new PacketSink() {
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

    @Setup
    public void setUp() {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(OWN_MAC).ownIp(0xC6120002).mtu(1500);
        int rs1 = b.server(0xC612000B, 0x020000000011L);
        int rs2 = b.server(0xC612000C, 0x020000000012L);
        int rs3 = b.server(0xC612000D, 0x020000000013L);
        b.service(0xC6120064, 80, 6, new int[] {rs1, rs2, rs3}, new int[] {3, 2, 1});
        ForwardingTable table = b.build(1);
        NeighbourTable neighbours = new NeighbourTable(new long[] {0x020000000011L, 0x020000000012L, 0x020000000013L});
        // A table smaller than the flow set: every SYN misses and evicts, the worst new-flow path.
        forwarder = new Forwarder(table, new FlowTable(1024, FlowTimeouts.DEFAULTS), neighbours, null,
                new ForwarderCounters(table.serverCount()));
        established = PacketBuffer.ofArray(TcpFrames.segment(40000, false));
        syns = new PacketBuffer[FLOWS];
        for (int i = 0; i < FLOWS; i++) {
            syns[i] = PacketBuffer.ofArray(TcpFrames.segment(10000 + i, true));
        }
    }

    @Benchmark
    public int parseOnly() {
        established.putU48(0, OWN_MAC);
        eth.wrap(established);
        ip.wrap(established, eth.payloadOffset());
        tcp.wrap(established, ip.payloadOffset(), ip.payloadLength());
        return tcp.destinationPort() + ip.destination();
    }

    @Benchmark
    public int establishedFlow() {
        established.putU48(0, OWN_MAC);
        now += 1000;
        return forwarder.process(established, established.length(), now, sink);
    }

    @Benchmark
    public int newFlow() {
        PacketBuffer frame = syns[next];
        next = (next + 1) & (FLOWS - 1);
        frame.putU48(0, OWN_MAC);
        now += 1000;
        return forwarder.process(frame, frame.length(), now, sink);
    }
}
