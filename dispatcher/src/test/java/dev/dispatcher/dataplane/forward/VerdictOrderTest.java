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
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The forwarder settles "is the destination a VIP?" only for frames that a later check drops
 * (a frame that finds a service is for a VIP): each such drop must still be {@code not_vip} when
 * the destination is no VIP, and that check's own verdict when it is one. Checks that come before
 * the VIP question (link and network header, source MAC) keep their verdicts either way.
 */
class VerdictOrderTest {
    private static final long OWN = 0x020000000002L;
    private static final String NOT_A_VIP = "198.18.0.50";
    private static final int IP = 14;

    private static Forwarder forwarder() {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(OWN).ownIp(0xC6120002).mtu(1500);
        b.server(0, 0xC612000B, 0x020000000011L);
        b.service(0xC6120064, 80, 6, new int[] {0}, new int[] {1}, new boolean[] {true});
        return new Forwarder(b.build(1), new FlowTable(1024, FlowTimeouts.DEFAULTS),
                new NeighbourTable(new long[] {0x020000000011L}), null,
                new ForwarderCounters(ForwardingTable.MAX_PAIRS));
    }

    private static int verdictOf(Frames.Tcp spec, UnaryOperator<byte[]> damage) {
        byte[] frame = damage.apply(spec.build());
        Forwarder f = forwarder();
        CollectingSink sink = new CollectingSink(true);
        int verdict = f.process(PacketBuffer.ofArray(frame), frame.length, 1_000_000_000L, sink);
        assertEquals(1, f.counters().verdict(verdict), "counted once");
        assertEquals(verdict == Verdict.FORWARDED ? 1 : 0, sink.frames.size(), "sent only when forwarded");
        return verdict;
    }

    /** The same frame to the VIP and to an address that is none: {@code toVip} and {@code toOther}. */
    private static void check(String what, Frames.Tcp spec, UnaryOperator<byte[]> damage, int toVip, int toOther) {
        assertEquals(Verdict.name(toVip), Verdict.name(verdictOf(spec, damage)), what + ", to the VIP");
        Frames.Tcp other = spec.copy();
        other.dstIp = NOT_A_VIP;
        assertEquals(Verdict.name(toOther), Verdict.name(verdictOf(other, damage)), what + ", to another address");
    }

    private static void check(String what, Frames.Tcp spec, int toVip, int toOther) {
        check(what, spec, UnaryOperator.identity(), toVip, toOther);
    }

    @Test
    void dropsAfterTheNetworkHeaderAreNotVipWhenTheDestinationIsNoVip() {
        check("a SYN", new Frames.Tcp(), Verdict.FORWARDED, Verdict.NOT_VIP);
        check("another MAC", new Frames.Tcp().macs(Frames.CLIENT_MAC, "02:00:00:00:00:99"),
                Verdict.NOT_OUR_MAC, Verdict.NOT_VIP);
        Frames.Tcp loopback = new Frames.Tcp();
        loopback.srcIp = "127.0.0.1";
        check("a loopback source", loopback, Verdict.SPOOFED_SOURCE, Verdict.NOT_VIP);
        Frames.Tcp fragment = new Frames.Tcp();
        fragment.moreFragments = true;
        check("a first fragment", fragment, Verdict.FRAGMENT, Verdict.NOT_VIP);
        Frames.Tcp big = new Frames.Tcp().ack();
        big.payload = new byte[1600];
        check("above the MTU", big, Verdict.OVERSIZE, Verdict.NOT_VIP);
        check("a TCP header cut short by the IP length", new Frames.Tcp(), frame -> {
            frame[IP + 2] = 0;
            frame[IP + 3] = 30;
            return frame;
        }, Verdict.TRUNCATED, Verdict.NOT_VIP);
        check("a TCP data offset below 5 words", new Frames.Tcp(), frame -> {
            frame[IP + 20 + 12] = 0x40;
            return frame;
        }, Verdict.BAD_HEADER, Verdict.NOT_VIP);
        check("protocol 47", new Frames.Tcp(), frame -> {
            frame[IP + 9] = 47;
            return frame;
        }, Verdict.NO_SERVICE, Verdict.NOT_VIP);
        check("a port the VIP does not serve", new Frames.Tcp().dstPort(81), Verdict.NO_SERVICE, Verdict.NOT_VIP);
    }

    @Test
    void checksBeforeTheVipQuestionKeepTheirVerdicts() {
        check("a multicast source MAC", new Frames.Tcp().macs("01:00:5e:00:00:01", Frames.DISPATCHER_MAC),
                Verdict.BAD_SOURCE_MAC, Verdict.BAD_SOURCE_MAC);
        check("IHL 4", new Frames.Tcp(), frame -> {
            frame[IP] = 0x44;
            return frame;
        }, Verdict.BAD_HEADER, Verdict.BAD_HEADER);
        check("an IPv4 header cut short", new Frames.Tcp(), frame -> Arrays.copyOf(frame, IP + 12),
                Verdict.TRUNCATED, Verdict.TRUNCATED);
    }
}
