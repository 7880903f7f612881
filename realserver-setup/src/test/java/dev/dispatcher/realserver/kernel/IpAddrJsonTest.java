package dev.dispatcher.realserver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpAddrJsonTest {

    /** Recorded from iproute2 6.1 in a namespace with a VIP /32 scope host and a wrong /24 global on lo. */
    private static String recorded() throws IOException {
        try (InputStream in = IpAddrJsonTest.class.getResourceAsStream("/ip-addr-show.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void readsIpv4AddressesWithScopeAndLabelAndSkipsIpv6() throws IOException {
        List<NetLink> links = IpAddrJson.parse(recorded());
        assertEquals(2, links.size());
        NetLink lo = links.get(0);
        assertEquals("lo", lo.name());
        assertTrue(lo.loopback());
        assertEquals(List.of(
                new InterfaceAddress("lo", Ipv4Address.parse("127.0.0.1"), 8, "host", "lo"),
                new InterfaceAddress("lo", Ipv4Address.parse("198.18.1.100"), 32, "host", "lo:1"),
                new InterfaceAddress("lo", Ipv4Address.parse("198.18.1.101"), 24, "global", "lo:7")), lo.addresses());
        NetLink eth1 = links.get(1);
        assertFalse(eth1.loopback());
        assertEquals(List.of(new InterfaceAddress("eth1", Ipv4Address.parse("198.18.1.10"), 24, "global", "eth1")),
                eth1.addresses());
    }

    @Test
    void toleratesEmptyLinkEntriesAndMissingLabelsOrScopes() {
        // Some iproute2 versions print {} for links that -4 filtered out, and omit label or scope.
        String json = "[{}, "
                + "{\"ifname\":\"eth0\",\"flags\":[\"UP\"],\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.0.0.2\","
                + "\"prefixlen\":24}]},{\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\"]}]";
        List<NetLink> links = IpAddrJson.parse(json);
        assertEquals(2, links.size());
        InterfaceAddress a = links.get(0).addresses().getFirst();
        assertEquals("global", a.scope());
        assertEquals("eth0", a.label());
        assertTrue(links.get(1).loopback());
        assertTrue(links.get(1).addresses().isEmpty());
    }

    @Test
    void rejectsOutputThatIsNotTheExpectedShape() {
        assertThrows(IllegalArgumentException.class, () -> IpAddrJson.parse("{\"ifname\":\"lo\"}"));
        assertThrows(IllegalArgumentException.class,
                () -> IpAddrJson.parse(
                        "[{\"ifname\":\"lo\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"x\",\"prefixlen\":8}]}]"));
        assertThrows(IllegalArgumentException.class, () -> IpAddrJson.parse("1: lo: <LOOPBACK,UP> mtu 65536"));
        // 2^32 + 32: a cast to int would read it as 32.
        assertThrows(IllegalArgumentException.class,
                () -> IpAddrJson.parse("[{\"ifname\":\"lo\",\"addr_info\":[{\"family\":\"inet\","
                        + "\"local\":\"198.18.1.100\",\"prefixlen\":4294967328}]}]"));
    }
}
