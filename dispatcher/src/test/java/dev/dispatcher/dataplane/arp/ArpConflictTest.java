package dev.dispatcher.dataplane.arp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.packet.EthernetFrame;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.CollectingSink;
import dev.dispatcher.testing.Frames;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The last ARP conflict is read by the control plane while the worker writes it: the MAC and the
 * VIP it claimed always come as the pair one frame carried, never one from each of two frames.
 */
class ArpConflictTest {
    private static final long MAC_A = 0x02000000000AL;
    private static final long MAC_B = 0x02000000000BL;
    private static final int VIP_A = 0xC6120064;
    private static final int VIP_B = 0xC6120065;

    @Test
    void theLastConflictIsNeverTorn() throws Exception {
        ForwardingTable table = new ForwardingTable.Builder().ownMac(0x020000000002L).ownIp(0xC6120002)
                .vip(VIP_A).vip(VIP_B).build(1);
        ArpAgent arp = new ArpAgent(table, new NeighbourTable(4), ArpTimings.DEFAULTS);
        PacketBuffer fromA = PacketBuffer.ofArray(Frames.arp(false, "02:00:00:00:00:0a", "ff:ff:ff:ff:ff:ff",
                "02:00:00:00:00:0a", "198.18.0.100", "00:00:00:00:00:00", "198.18.0.100", -1));
        PacketBuffer fromB = PacketBuffer.ofArray(Frames.arp(false, "02:00:00:00:00:0b", "ff:ff:ff:ff:ff:ff",
                "02:00:00:00:00:0b", "198.18.0.101", "00:00:00:00:00:00", "198.18.0.101", -1));
        EthernetFrame eth = new EthernetFrame();
        CollectingSink sink = new CollectingSink(false);
        int rounds = 2_000_000;
        AtomicBoolean done = new AtomicBoolean();
        Thread worker = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < rounds; i++) {
                PacketBuffer frame = (i & 1) == 0 ? fromA : fromB;
                eth.wrap(frame);
                if (arp.onArp(frame, eth, i, sink) != Verdict.ARP_IGNORED) {
                    throw new AssertionError("a claim on a VIP is ignored");
                }
            }
            done.set(true);
        });
        long reads = 0;
        long seen = 0;
        while (!done.get()) {
            ArpAgent.Conflict c = arp.lastConflict();
            assertTrue(c.count() >= seen, "the count only grows");
            seen = c.count();
            if (c.count() > 0) {
                assertTrue((c.mac() == MAC_A && c.vip() == VIP_A) || (c.mac() == MAC_B && c.vip() == VIP_B),
                        "a torn conflict: " + Long.toHexString(c.mac()) + " with " + Integer.toHexString(c.vip()));
            }
            reads++;
        }
        worker.join();
        assertEquals(rounds, arp.conflicts());
        assertEquals(new ArpAgent.Conflict(rounds, MAC_B, VIP_B), arp.lastConflict());
        assertTrue(reads > 1000, "the reader raced the writer: " + reads + " reads");
    }
}
