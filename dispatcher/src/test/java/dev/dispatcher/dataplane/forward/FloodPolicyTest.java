package dev.dispatcher.dataplane.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.CollectingSink;
import dev.dispatcher.testing.Frames;
import org.junit.jupiter.api.Test;

/** What the forwarder does with segments that no entry knows, and with new flows above the rate limit. */
class FloodPolicyTest {
    private static final long OWN = 0x020000000002L;
    private static final long[] MACS = {0x020000000011L, 0x020000000012L, 0x020000000013L};
    private static final long NOW = 1_000_000_000L;

    /** One wrr service on three equal servers: round robin and Maglev disagree for most flows. */
    private static Forwarder forwarder(int maxNewFlowsPerSecond) {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(OWN).ownIp(0xC6120002);
        for (int i = 0; i < 3; i++) {
            b.server(i, 0xC612000B + i, MACS[i]);
        }
        b.service(0xC6120064, 80, 6, new int[] {0, 1, 2}, new int[] {1, 1, 1}, new boolean[] {true, true, true});
        FlowTable flows = new FlowTable(1024, FlowTimeouts.DEFAULTS, ForwardingTable.MAX_PAIRS, maxNewFlowsPerSecond);
        return new Forwarder(b.build(1), flows, new NeighbourTable(MACS), null,
                new ForwarderCounters(ForwardingTable.MAX_PAIRS));
    }

    private static long send(Forwarder f, Frames.Tcp spec, long now) {
        CollectingSink sink = new CollectingSink(true);
        byte[] frame = spec.build();
        assertEquals(Verdict.FORWARDED, f.process(PacketBuffer.ofArray(frame), frame.length, now, sink));
        return PacketBuffer.ofArray(sink.frames.getLast()).getU48(0);
    }

    private static FlowKey key(int sourcePort) {
        return new FlowKey().ipv4(0xC6120001, 0xC6120064, sourcePort, 80, 6);
    }

    @Test
    void aSegmentWithoutSynIsRememberedAsUnconfirmedUntilItsNextSegment() {
        Forwarder f = forwarder(0);
        send(f, new Frames.Tcp().srcPort(41000).ack(), NOW);
        int slot = f.flows().lookup(key(41000), NOW);
        assertEquals(FlowState.TCP_UNCONFIRMED, f.flows().stateAt(slot));
        send(f, new Frames.Tcp().srcPort(41000).ack(), NOW + 1_000_000);
        assertEquals(FlowState.TCP_ESTABLISHED, f.flows().stateAt(f.flows().lookup(key(41000), NOW)));
    }

    @Test
    void aSynOnAnUnconfirmedFlowIsANewConnection() {
        Forwarder f = forwarder(0);
        send(f, new Frames.Tcp().srcPort(41001).ack(), NOW);
        send(f, new Frames.Tcp().srcPort(41001), NOW + 1);
        assertEquals(FlowState.TCP_SYN, f.flows().stateAt(f.flows().lookup(key(41001), NOW + 1)));
        assertEquals(2, f.counters().get(ForwarderCounters.LOOKUP_MISS_SYN)
                + f.counters().get(ForwarderCounters.LOOKUP_MISS_NO_SYN), "both scheduled");
    }

    @Test
    void newFlowsAboveTheRateAreForwardedByMaglevWithoutAnEntry() {
        Forwarder f = forwarder(4);
        Forwarder reference = forwarder(0);
        int flows = 40;
        for (int i = 0; i < flows; i++) {
            send(f, new Frames.Tcp().srcPort(42000 + i), NOW);
        }
        assertEquals(4, f.flows().size(), "a second's burst of 4 remembered");
        assertEquals(flows - 4, f.flows().notInserted());
        int disagree = 0;
        for (int i = 4; i < flows; i++) {
            assertEquals(FlowTable.MISS, f.flows().lookup(key(42000 + i), NOW));
            // Its next segment, still without an entry, and a fresh dispatcher's lost-flow
            // placement agree with where its SYN went: Maglev decided all three.
            long synServer = send(f, new Frames.Tcp().srcPort(42000 + i), NOW);
            long ackServer = send(f, new Frames.Tcp().srcPort(42000 + i).ack(), NOW);
            assertEquals(synServer, ackServer, "flow " + i + " stays on its server");
            assertEquals(synServer, send(reference, new Frames.Tcp().srcPort(42000 + i).ack(), NOW));
            int rr = reference.schedulers().pick(0, key(42000 + i).hash());
            disagree += MACS[reference.table().pairServer(rr)] != synServer ? 1 : 0;
        }
        assertNotEquals(0, disagree, "round robin alone would have sent some of them elsewhere");
        assertEquals(flows + 2L * (flows - 4), f.counters().verdict(Verdict.FORWARDED), "every frame forwarded");
        assertEquals(4, f.flows().size(), "and none of them remembered");
    }
}
