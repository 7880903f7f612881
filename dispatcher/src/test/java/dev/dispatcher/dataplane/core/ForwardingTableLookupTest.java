package dev.dispatcher.dataplane.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The table's (address, port, protocol) map keeps IPv4 entries in one word and other families in
 * three: the two parts must never answer for each other, and both must agree with a plain map.
 */
class ForwardingTableLookupTest {
    private static final long DOC_HIGH = 0x2001_0DB8_0000_0000L;
    private static final int VIP4 = 0xC612_0064;

    private static ForwardingTable.Builder builder() {
        return new ForwardingTable.Builder().ownMac(0x020000000002L).ownIp(0xC6120002);
    }

    private static void service(ForwardingTable.Builder b, long high, long low, int port, int protocol, int server,
                                int pair) {
        b.service(high, low, port, protocol, new int[] {server}, new int[] {pair}, new int[] {1},
                new boolean[] {true});
    }

    @Test
    void anIpv6AddressWhoseLowWordLooksIpv4MappedIsNotTheIpv4Vip() {
        ForwardingTable.Builder b = builder();
        int rs = b.server(0xC612000B, 0x020000000011L);
        service(b, 0, ForwardingTable.mapped(VIP4), 80, 6, rs, 0);
        service(b, DOC_HIGH, 0x100, 80, 6, rs, 1);
        ForwardingTable t = b.build(1);

        assertTrue(t.isVip(VIP4));
        assertEquals(0, t.service(VIP4, 80, 6));
        assertTrue(t.isVip(DOC_HIGH, 0x100));
        assertEquals(1, t.service(DOC_HIGH, 0x100, 80, 6));

        long lookalike = ForwardingTable.mapped(VIP4);
        assertFalse(t.isVip(DOC_HIGH, lookalike), "2001:db8::ffff:198.18.0.100 is not 198.18.0.100");
        assertEquals(ForwardingTable.NO_SERVICE, t.service(DOC_HIGH, lookalike, 80, 6));
        assertFalse(t.isVip(0, 0x100), "::100 is not 2001:db8::100");
        assertEquals(ForwardingTable.NO_SERVICE, t.service(VIP4, 81, 6));
        assertEquals(ForwardingTable.NO_SERVICE, t.service(VIP4, 80, 17));
        assertEquals(ForwardingTable.NO_SERVICE, t.service(DOC_HIGH, 0x100, 80, 17));
    }

    @Test
    void aVipWithoutServicesIsAVipWithNoService() {
        ForwardingTable t = builder().vip(VIP4).vip(DOC_HIGH, 0x200).build(1);
        assertTrue(t.isVip(VIP4));
        assertTrue(t.isVip(DOC_HIGH, 0x200));
        assertEquals(ForwardingTable.NO_SERVICE, t.service(VIP4, 80, 6));
        assertEquals(ForwardingTable.NO_SERVICE, t.service(DOC_HIGH, 0x200, 0, 6));
        assertFalse(t.isVip(VIP4 + 1));
    }

    /** Many VIPs of both families with ports 0..65535 and both protocols, against a HashMap. */
    @Test
    void bothFamiliesAgreeWithAPlainMap() {
        Random random = new Random(11);
        ForwardingTable.Builder b = builder();
        int rs = b.server(0xC612000B, 0x020000000011L);
        Map<List<Long>, Integer> expected = new HashMap<>();
        Set<List<Long>> vips = new HashSet<>();
        int pair = 0;
        for (int v = 0; v < 40; v++) {
            boolean ipv4 = v % 2 == 0;
            long high = ipv4 ? 0 : DOC_HIGH | random.nextInt(1 << 16);
            long low = ipv4 ? ForwardingTable.mapped(0xC612_0000 | random.nextInt(1 << 16)) : random.nextLong();
            if (!vips.add(List.of(high, low))) {
                continue;
            }
            for (int s = 0; s < 5; s++) {
                int port = s == 0 ? 0 : s == 1 ? 65535 : random.nextInt(65536);
                int protocol = random.nextBoolean() ? 6 : 17;
                if (expected.putIfAbsent(List.of(high, low, (long) port, (long) protocol), pair) == null) {
                    service(b, high, low, port, protocol, rs, pair++);
                }
            }
        }
        ForwardingTable t = b.build(1);
        for (Map.Entry<List<Long>, Integer> e : expected.entrySet()) {
            List<Long> k = e.getKey();
            int service = t.service(k.get(0), k.get(1), k.get(2).intValue(), k.get(3).intValue());
            assertEquals(k.get(0), t.serviceVipHigh(service), "service of " + k);
            assertEquals(k.get(1), t.serviceVipLow(service), "service of " + k);
            assertEquals(k.get(2).intValue(), t.servicePort(service), "service of " + k);
            assertEquals(k.get(3).intValue(), t.serviceProtocol(service), "service of " + k);
        }
        for (List<Long> vip : vips) {
            assertTrue(t.isVip(vip.get(0), vip.get(1)), "VIP " + vip);
        }
        for (int probe = 0; probe < 20_000; probe++) {
            boolean ipv4 = random.nextBoolean();
            long high = ipv4 ? 0 : DOC_HIGH | random.nextInt(1 << 16);
            long low = ipv4 ? ForwardingTable.mapped(0xC612_0000 | random.nextInt(1 << 16)) : random.nextLong();
            int port = random.nextInt(65536);
            int protocol = random.nextBoolean() ? 6 : 17;
            boolean known = expected.containsKey(List.of(high, low, (long) port, (long) protocol));
            assertEquals(known, t.service(high, low, port, protocol) != ForwardingTable.NO_SERVICE);
            assertEquals(vips.contains(List.of(high, low)), t.isVip(high, low));
        }
    }
}
