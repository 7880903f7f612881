package dev.dispatcher.dataplane.arp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.PartnerWatch;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.packet.ArpPacket;
import dev.dispatcher.packet.EthernetFrame;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.CollectingSink;
import dev.dispatcher.testing.Frames;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the ARP agent does for a takeover and for a partner: a VIP that appears in a new table is
 * announced at once, after 1 s and after 5 s, each time as the RFC 5227 request and as a
 * gratuitous reply; a VIP given up again in between is not; the partner is probed with a unicast
 * request for a VIP this node does not serve; the partner's ARP for a configured VIP is counted per
 * group, anybody else's is not.
 */
class ArpAnnouncementTest {
    private static final long OWN_MAC = 0x020000000002L;
    private static final long PARTNER_MAC = 0x020000000003L;
    private static final int OWN_IP = 0xC6120002;
    private static final int VIP = 0xC6120064;
    private static final int VIP2 = 0xC6120065;
    private static final long S = 1_000_000_000L;
    /** No gratuitous ARP at start: the table at start serves nothing (a pair member in INIT). */
    private static final ArpTimings TIMINGS = new ArpTimings(S, 30 * S, 120 * S, 0, S, true);

    private static ForwardingTable table(long version, PartnerWatch watch, int... vips) {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(OWN_MAC).ownIp(OWN_IP).partnerWatch(watch);
        for (int vip : vips) {
            b.vip(vip);
        }
        return b.build(version);
    }

    /** Partner known; group 0 = VIP, group 1 = VIP2; this node serves {@code served} groups. */
    private static PartnerWatch watch(int served, long generation) {
        return new PartnerWatch(PARTNER_MAC, 100_000_000L, new int[] {VIP, VIP2}, new int[] {0, 1},
                new int[] {(served & 1) == 0 ? VIP : 0, (served & 2) == 0 ? VIP2 : 0}, generation);
    }

    private record Arp(long ethDst, int op, long senderMac, int senderIp, long targetMac, int targetIp) {
    }

    private static List<Arp> sent(CollectingSink sink) {
        List<Arp> out = new ArrayList<>();
        for (byte[] f : sink.frames) {
            PacketBuffer b = PacketBuffer.ofArray(f);
            ArpPacket a = new ArpPacket();
            assertEquals(ArpPacket.OK, a.wrap(b, EthernetFrame.HEADER_LENGTH));
            out.add(new Arp(b.getU48(0), a.operation(), a.senderMac(), a.senderIp(), a.targetMac(), a.targetIp()));
        }
        sink.frames.clear();
        return out;
    }

    private static List<Arp> announcements(int vip) {
        return List.of(new Arp(EthernetFrame.BROADCAST, ArpPacket.OP_REQUEST, OWN_MAC, vip, 0, vip),
                new Arp(EthernetFrame.BROADCAST, ArpPacket.OP_REPLY, OWN_MAC, vip, OWN_MAC, vip));
    }

    @Test
    void aVipThatAppearsIsAnnouncedAtOnceAfterOneAndAfterFiveSeconds() {
        ArpAgent arp = new ArpAgent(table(1, PartnerWatch.NONE), new NeighbourTable(4), TIMINGS);
        CollectingSink sink = new CollectingSink(true);
        arp.onTimer(0, sink);
        assertEquals(List.of(), sent(sink), "nothing served, nothing announced");
        arp.adopt(table(2, PartnerWatch.NONE, VIP));
        long t0 = 10 * S;
        arp.onTimer(t0, sink);
        assertEquals(announcements(VIP), sent(sink), "at once, both forms");
        arp.onTimer(t0 + S - 1, sink);
        assertEquals(List.of(), sent(sink));
        arp.onTimer(t0 + S, sink);
        assertEquals(announcements(VIP), sent(sink), "after 1 s");
        arp.onTimer(t0 + 5 * S - 1, sink);
        assertEquals(List.of(), sent(sink));
        arp.onTimer(t0 + 5 * S, sink);
        assertEquals(announcements(VIP), sent(sink), "after 5 s");
        arp.onTimer(t0 + 60 * S, sink);
        assertEquals(List.of(), sent(sink), "and no more");
        assertEquals(6, arp.gratuitousSent());
    }

    @Test
    void aVipGivenUpAgainIsNotAnnouncedAndANewGenerationAnnouncesAgain() {
        ArpAgent arp = new ArpAgent(table(1, PartnerWatch.NONE), new NeighbourTable(4), TIMINGS);
        CollectingSink sink = new CollectingSink(true);
        arp.adopt(table(2, PartnerWatch.NONE, VIP));
        arp.onTimer(0, sink);
        assertEquals(announcements(VIP), sent(sink));
        arp.adopt(table(3, PartnerWatch.NONE));
        arp.onTimer(S, sink);
        assertEquals(List.of(), sent(sink), "given up: not ours to announce");

        ArpAgent again = new ArpAgent(table(1, watch(1, 0), VIP), new NeighbourTable(4), TIMINGS);
        again.adopt(table(2, watch(1, 1), VIP));
        again.onTimer(0, sink);
        List<Arp> out = sent(sink);
        assertTrue(out.containsAll(announcements(VIP)), "a new generation announces the served VIPs again: " + out);
    }

    @Test
    void thePartnerIsProbedForAVipThisNodeDoesNotServe() {
        ArpAgent arp = new ArpAgent(table(1, watch(1, 0), VIP), new NeighbourTable(4), TIMINGS);
        CollectingSink sink = new CollectingSink(true);
        arp.onTimer(0, sink);
        assertEquals(List.of(new Arp(PARTNER_MAC, ArpPacket.OP_REQUEST, OWN_MAC, OWN_IP, 0, VIP2)), sent(sink),
                "unicast to the partner, for the group it serves");
        arp.onTimer(50_000_000L, sink);
        assertEquals(List.of(), sent(sink), "once per interval");
        arp.onTimer(100_000_000L, sink);
        assertEquals(1, sent(sink).size());
        arp.adopt(table(2, watch(3, 0), VIP, VIP2));
        arp.onTimer(S, sink);
        assertTrue(sent(sink).stream().noneMatch(a -> a.ethDst() == PARTNER_MAC), "serving everything: no probes");
        assertEquals(2, arp.partnerProbesSent());
    }

    @Test
    void thePartnersArpForAConfiguredVipIsCountedPerGroup() {
        // This node serves group 0 (VIP); the partner serves group 1 (VIP2).
        ArpAgent arp = new ArpAgent(table(1, watch(1, 0), VIP), new NeighbourTable(4), TIMINGS);
        CollectingSink sink = new CollectingSink(true);
        EthernetFrame eth = new EthernetFrame();
        int answer = onArp(arp, eth, sink, "02:00:00:00:00:03", "198.18.0.101", false);
        assertEquals(Verdict.ARP_IGNORED, answer);
        assertEquals(1, arp.partnerSeen(1), "its answer to a probe for VIP2");
        onArp(arp, eth, sink, "02:00:00:00:00:03", "198.18.0.100", false);
        assertEquals(1, arp.partnerSeen(0), "its announcement of our VIP: split brain");
        assertEquals(1, arp.conflicts(), "and a conflict, as any other MAC claiming a VIP we serve");
        onArp(arp, eth, sink, "02:00:00:00:00:09", "198.18.0.101", false);
        onArp(arp, eth, sink, "02:00:00:00:00:03", "198.18.0.3", true);
        assertEquals(1, arp.partnerSeen(1), "another MAC, or the partner's own address: not counted");
        assertEquals(1, arp.partnerSeen(0));
        sink.frames.clear();
        assertEquals(Verdict.ARP_REPLIED, onArp(arp, eth, sink, "02:00:00:00:00:01", "198.18.0.1", true,
                "198.18.0.100"));
        assertEquals(Verdict.ARP_IGNORED, onArp(arp, eth, sink, "02:00:00:00:00:01", "198.18.0.1", true,
                "198.18.0.101"), "a VIP the partner serves gets no answer here");
    }

    private static int onArp(ArpAgent arp, EthernetFrame eth, CollectingSink sink, String mac, String ip,
                             boolean request) {
        return onArp(arp, eth, sink, mac, ip, request, ip);
    }

    private static int onArp(ArpAgent arp, EthernetFrame eth, CollectingSink sink, String mac, String ip,
                             boolean request, String target) {
        PacketBuffer frame = PacketBuffer.ofArray(Frames.arp(request, mac, "ff:ff:ff:ff:ff:ff", mac, ip,
                request ? "00:00:00:00:00:00" : "ff:ff:ff:ff:ff:ff", target, -1));
        eth.wrap(frame);
        return arp.onArp(frame, eth, 0, sink);
    }
}
