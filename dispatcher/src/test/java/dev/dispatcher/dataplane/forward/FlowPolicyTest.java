package dev.dispatcher.dataplane.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.CollectingSink;
import dev.dispatcher.testing.Frames;
import org.junit.jupiter.api.Test;

/** What a table swap does to existing flows: keep them, or reschedule them (reset policy). */
class FlowPolicyTest {
    private static final long OWN = 0x020000000002L;
    private static final long RS1 = 0x020000000011L;
    private static final long RS2 = 0x020000000012L;

    private static ForwardingTable table(int rs1Weight, boolean rs1Keeps, long version) {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(OWN).ownIp(0xC6120002);
        b.server(0, 0xC612000B, RS1);
        b.server(1, 0xC612000C, RS2);
        b.service(0xC6120064, 80, 6, new int[] {0, 1}, new int[] {rs1Weight, 1}, new boolean[] {rs1Keeps, true});
        return b.build(version);
    }

    private static long destinationOf(byte[] frame) {
        return PacketBuffer.ofArray(frame).getU48(0);
    }

    private static Forwarder forwarder(ForwardingTable t) {
        NeighbourTable neighbours = new NeighbourTable(new long[] {RS1, RS2});
        return new Forwarder(t, new FlowTable(1024, FlowTimeouts.DEFAULTS), neighbours, null,
                new ForwarderCounters(ForwardingTable.MAX_PAIRS));
    }

    private static void send(Forwarder f, Frames.Tcp spec, CollectingSink sink) {
        byte[] frame = spec.build();
        f.process(PacketBuffer.ofArray(frame), frame.length, 1_000_000_000L, sink);
    }

    @Test
    void downUnderResetPolicyReschedulesTheNextPacket() {
        Forwarder f = forwarder(table(5, true, 1));
        CollectingSink sink = new CollectingSink(true);
        send(f, new Frames.Tcp().srcPort(40000), sink);
        assertEquals(RS1, destinationOf(sink.frames.getLast()), "heaviest server first");
        assertEquals(1, f.flows().activeFlows(0));
        f.adopt(table(0, false, 2));
        send(f, new Frames.Tcp().srcPort(40000).ack(), sink);
        assertEquals(RS2, destinationOf(sink.frames.getLast()), "rescheduled to the live server");
        assertEquals(1, f.counters().get(ForwarderCounters.FLOWS_RESCHEDULED));
        assertEquals(0, f.flows().activeFlows(0));
        assertEquals(1, f.flows().activeFlows(1));
    }

    @Test
    void drainOrKeepPolicyLeavesExistingFlowsAlone() {
        Forwarder f = forwarder(table(5, true, 1));
        CollectingSink sink = new CollectingSink(true);
        send(f, new Frames.Tcp().srcPort(40001), sink);
        f.adopt(table(0, true, 2));
        send(f, new Frames.Tcp().srcPort(40001).ack(), sink);
        assertEquals(RS1, destinationOf(sink.frames.getLast()), "existing flow stays");
        send(f, new Frames.Tcp().srcPort(40002), sink);
        assertEquals(RS2, destinationOf(sink.frames.getLast()), "new flows avoid the weight-0 server");
        Frames.Tcp fin = new Frames.Tcp().srcPort(40001).ack();
        fin.fin = true;
        send(f, fin, sink);
        assertEquals(0, f.flows().activeFlows(0), "a closing flow no longer counts as active");
    }
}
