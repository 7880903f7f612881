package dev.dispatcher.dataplane.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.CollectingSink;
import dev.dispatcher.testing.Frames;
import org.junit.jupiter.api.Test;

/**
 * The totals a worker keeps without a counter of their own (forwarded bytes: the sum of the
 * pairs') or in fields rather than the array (received bytes, lookup hits) read the same as
 * counting every frame would.
 */
class ForwarderCountersTest {
    @Test
    void totalsAddUpOverPairsVerdictsAndHits() {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(0x020000000002L).ownIp(0xC6120002)
                .mtu(1500);
        b.server(0, 0xC612000B, 0x020000000011L);
        b.server(1, 0xC612000C, 0x020000000012L);
        b.service(0xC6120064, 80, 6, new int[] {0, 1}, new int[] {7, 9000}, new int[] {1, 1},
                new boolean[] {true, true});
        Forwarder f = new Forwarder(b.build(1), new FlowTable(1024, FlowTimeouts.DEFAULTS),
                new NeighbourTable(new long[] {0x020000000011L, 0x020000000012L}), null,
                new ForwarderCounters(ForwardingTable.MAX_PAIRS));
        CollectingSink sink = new CollectingSink(true);
        long received = 0;
        long forwarded = 0;
        for (int round = 0; round < 3; round++) {
            for (int port = 40000; port < 40004; port++) {
                Frames.Tcp segment = new Frames.Tcp().srcPort(port);
                if (round > 0) {
                    segment.ack();
                    segment.payload = new byte[round * 100 + port % 7];
                }
                byte[] frame = segment.build();
                assertEquals(Verdict.FORWARDED, f.process(PacketBuffer.ofArray(frame), frame.length, 1_000_000L, sink));
                received += frame.length;
                forwarded += frame.length;
            }
        }
        byte[] dropped = new Frames.Tcp().dstPort(81).build();
        assertEquals(Verdict.NO_SERVICE, f.process(PacketBuffer.ofArray(dropped), dropped.length, 1_000_000L, sink));
        received += dropped.length;

        ForwarderCounters c = f.counters();
        assertEquals(received, c.get(ForwarderCounters.RECEIVED_BYTES));
        assertEquals(forwarded, c.get(ForwarderCounters.FORWARDED_BYTES));
        assertEquals(c.pair(ForwarderCounters.PAIR_FORWARDED_BYTES, 7)
                + c.pair(ForwarderCounters.PAIR_FORWARDED_BYTES, 9000), forwarded);
        assertEquals(8, c.get(ForwarderCounters.LOOKUP_HIT), "rounds 2 and 3 found their flows");
        assertEquals(4, c.get(ForwarderCounters.LOOKUP_MISS_SYN));
        assertEquals(12, c.verdict(Verdict.FORWARDED));
        assertEquals(1, c.verdict(Verdict.NO_SERVICE));
    }
}
