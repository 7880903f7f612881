package dev.dispatcher.dataplane.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dispatcher.dataplane.arp.ArpAgent;
import dev.dispatcher.dataplane.arp.ArpTimings;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.AllocationMeter;
import dev.dispatcher.testing.CollectingSink;
import dev.dispatcher.testing.Frames;
import org.junit.jupiter.api.Test;

/**
 * The per-packet path allocates nothing after warm-up: established flows, new flows that evict
 * from a full table, ARP requests answered and malformed frames, measured with the JVM's own
 * per-thread allocation counter.
 */
class ForwarderAllocationTest {

    @Test
    void perPacketPathAllocatesNothingAfterWarmUp() {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(0x020000000002L).ownIp(0xC6120002).mtu(1500);
        int rs1 = b.server(0xC612000B, 0x020000000011L);
        int rs2 = b.server(0xC612000C, 0x020000000012L);
        b.service(0xC6120064, 80, 6, new int[] {rs1, rs2}, new int[] {3, 2});
        ForwardingTable table = b.build(1);
        NeighbourTable neighbours = new NeighbourTable(new long[] {0x020000000011L, 0x020000000012L});
        ArpAgent arp = new ArpAgent(table, neighbours, ArpTimings.DEFAULTS);
        Forwarder forwarder = new Forwarder(table, new FlowTable(1024, FlowTimeouts.DEFAULTS), neighbours, arp,
                new ForwarderCounters(table.serverCount()));
        CollectingSink sink = new CollectingSink(false);

        PacketBuffer established = PacketBuffer.ofArray(new Frames.Tcp().ack().build());
        PacketBuffer[] syns = new PacketBuffer[4096];
        for (int i = 0; i < syns.length; i++) {
            syns[i] = PacketBuffer.ofArray(new Frames.Tcp().srcPort(10_000 + i).build());
        }
        PacketBuffer arpRequest = PacketBuffer.ofArray(Frames.arp(true, Frames.CLIENT_MAC, "ff:ff:ff:ff:ff:ff",
                Frames.CLIENT_MAC, Frames.CLIENT_IP, "00:00:00:00:00:00", Frames.VIP, -1));
        PacketBuffer junk = PacketBuffer.ofArray(new byte[20]);
        byte[] other = Frames.raw(Frames.CLIENT_MAC, Frames.DISPATCHER_MAC, 0x86DD, new byte[40]);
        PacketBuffer ipv6 = PacketBuffer.ofArray(other);

        long[] now = {1_000_000_000L};
        Runnable round = () -> {
            for (int i = 0; i < syns.length; i++) {
                now[0] += 1000;
                // A forwarded frame leaves with the server's MAC: put ours back, as a new frame would have.
                established.putU48(0, 0x020000000002L);
                forwarder.process(established, established.length(), now[0], sink);
                syns[i].putU48(0, 0x020000000002L);
                forwarder.process(syns[i], syns[i].length(), now[0], sink);
                if ((i & 63) == 0) {
                    forwarder.process(arpRequest, arpRequest.length(), now[0], sink);
                    forwarder.process(junk, junk.length(), now[0], sink);
                    forwarder.process(ipv6, ipv6.length(), now[0], sink);
                    forwarder.flows().sweep(now[0], 256);
                    arp.onTimer(now[0], sink);
                }
            }
        };
        for (int warm = 0; warm < 40; warm++) {
            round.run();
        }
        AllocationMeter.Result r = AllocationMeter.cleanRounds(round, 10, 60);
        assertEquals(10, r.cleanInARow(),
                "rounds of " + (syns.length * 2) + " packets without allocation (last dirty round: "
                + r.lastDirtyBytes() + " bytes)");
        int rounds = r.rounds();
        ForwarderCounters c = forwarder.counters();
        long total = 40L + rounds;
        assertEquals(total * syns.length * 2, c.verdict(Verdict.FORWARDED), "every TCP frame forwarded");
        assertEquals(total * 64, c.verdict(Verdict.ARP_REPLIED));
    }
}
