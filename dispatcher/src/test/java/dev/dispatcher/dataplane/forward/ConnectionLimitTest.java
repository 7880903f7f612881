package dev.dispatcher.dataplane.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.CollectingSink;
import dev.dispatcher.testing.Frames;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** max-connections and its lower mark, as the schedule stage applies them. */
class ConnectionLimitTest {
    private static final long OWN = 0x020000000002L;
    private static final long RS1 = 0x020000000011L;
    private static final long RS2 = 0x020000000012L;
    private static final long NOW = 1_000_000_000L;

    /** Two equal servers; pair 0 (RS1) limited to {@code max} with lower mark {@code min}. */
    private static Forwarder forwarder(boolean maglev, int max, int min, int rs2Max) {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(OWN).ownIp(0xC6120002);
        b.server(0, 0xC612000B, RS1);
        b.server(1, 0xC612000C, RS2);
        int[] weights = {1, 1};
        b.service(0, ForwardingTable.mapped(0xC6120064), 80, 6, new int[] {0, 1}, new int[] {0, 1}, weights,
                new boolean[] {true, true}, maglev, 65_537, weights);
        b.connectionLimit(0, max, min);
        b.connectionLimit(1, rs2Max, Math.max(1, rs2Max * 3 / 4));
        return new Forwarder(b.build(1), new FlowTable(1024, FlowTimeouts.DEFAULTS), new NeighbourTable(
                new long[] {RS1, RS2}), null, new ForwarderCounters(ForwardingTable.MAX_PAIRS));
    }

    /** Sends one segment; returns the MAC it went to, or the verdict (negated) when it was not forwarded. */
    private static long send(Forwarder f, Frames.Tcp spec) {
        CollectingSink sink = new CollectingSink(true);
        byte[] frame = spec.build();
        int verdict = f.process(PacketBuffer.ofArray(frame), frame.length, NOW, sink);
        return verdict == Verdict.FORWARDED ? PacketBuffer.ofArray(sink.frames.getLast()).getU48(0) : -verdict;
    }

    private static Frames.Tcp reset(int port) {
        Frames.Tcp rst = new Frames.Tcp().srcPort(port).ack();
        rst.rst = true;
        return rst;
    }

    @Test
    void aServerAtItsLimitGetsNoNewFlowsUntilBelowItsLowerMark() {
        Forwarder f = forwarder(false, 3, 2, 0);
        Map<Integer, Long> serverOf = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            serverOf.put(40000 + i, send(f, new Frames.Tcp().srcPort(40000 + i)));
        }
        assertEquals(3, serverOf.values().stream().filter(m -> m == RS1).count(), "RS1 stops at 3");
        assertEquals(3, f.flows().activeFlows(0));
        // Existing flows of the full server still go to it.
        int onRs1 = serverOf.entrySet().stream().filter(e -> e.getValue() == RS1).findFirst().orElseThrow().getKey();
        assertEquals(RS1, send(f, new Frames.Tcp().srcPort(onRs1).ack()));
        // One flow ends: 2 active, not below the mark 2, so still full.
        send(f, reset(onRs1));
        assertEquals(2, f.flows().activeFlows(0));
        assertEquals(RS2, send(f, new Frames.Tcp().srcPort(41000)));
        assertEquals(RS2, send(f, new Frames.Tcp().srcPort(41001)));
        // A second one ends: 1 < 2, RS1 takes new flows again (round robin gives it the next one or the one after).
        serverOf.entrySet().stream().filter(e -> e.getValue() == RS1 && e.getKey() != onRs1).findFirst()
                .ifPresent(e -> send(f, reset(e.getKey())));
        assertEquals(1, f.flows().activeFlows(0));
        long a = send(f, new Frames.Tcp().srcPort(41002));
        long b = send(f, new Frames.Tcp().srcPort(41003));
        assertTrue(a == RS1 || b == RS1, "RS1 back in the rotation");
        assertEquals(0, f.counters().verdict(Verdict.SERVER_FULL));
    }

    @Test
    void everyServerFullDropsNewConnectionsAsServerFullButNotLostFlows() {
        Forwarder f = forwarder(false, 2, 1, 2);
        for (int i = 0; i < 4; i++) {
            assertTrue(send(f, new Frames.Tcp().srcPort(42000 + i)) > 0, "flow " + i + " forwarded");
        }
        assertEquals(-Verdict.SERVER_FULL, send(f, new Frames.Tcp().srcPort(42010)));
        assertEquals(-Verdict.SERVER_FULL, send(f, new Frames.Tcp().srcPort(42011)));
        assertEquals(2, f.counters().verdict(Verdict.SERVER_FULL));
        // A segment of a connection no entry knows (from before a restart) is not a new one: Maglev places it.
        assertTrue(send(f, new Frames.Tcp().srcPort(42020).ack()) > 0, "a lost flow still goes through");
        assertEquals(2, f.counters().verdict(Verdict.SERVER_FULL));
    }

    @Test
    void aMaglevPortSendsTheFlowsOfAFullServerElsewhere() {
        Forwarder f = forwarder(true, 5, 4, 0);
        int rs1 = 0;
        int rs2 = 0;
        for (int i = 0; i < 200; i++) {
            long mac = send(f, new Frames.Tcp().srcPort(43000 + i));
            assertTrue(mac > 0, "flow " + i + " forwarded, not dropped");
            rs1 += mac == RS1 ? 1 : 0;
            rs2 += mac == RS2 ? 1 : 0;
        }
        assertEquals(5, rs1, "RS1 takes its limit");
        assertEquals(195, rs2, "its share went to RS2");
        assertEquals(0, f.counters().verdict(Verdict.SERVER_FULL));
    }
}
