package dev.dispatcher.realserver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class Ipv4AddressTest {

    @Test
    void parsesDottedQuadsAndPrintsThemBack() {
        for (String text : List.of("198.18.0.100", "0.0.0.0", "255.255.255.255", "10.0.0.1", "1.2.3.4")) {
            assertEquals(text, Ipv4Address.parse(text).toString());
        }
        assertEquals(0xc6120064, Ipv4Address.parse("198.18.0.100").bits());
    }

    @Test
    void rejectsEverythingThatIsNotAStrictDottedQuad() {
        for (String text : List.of("300.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "", "1..2.3",
                "198.18.0.100/32", " 1.2.3.4", "localhost", "::1", "1.2.3.4 ")) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(text),
                    text);
            assertTrue(ex.getMessage().contains("'" + text + "'"), ex.getMessage());
        }
    }

    @Test
    void vipsExcludeAddressesNoBalancerCanServe() {
        assertEquals("198.18.1.100", Ipv4Address.parseVip("198.18.1.100").toString());
        for (String text : List.of("0.0.0.0", "127.0.0.1", "127.1.2.3", "0.1.2.3", "224.0.0.1", "239.255.255.250",
                "240.0.0.1", "255.255.255.255")) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parseVip(text), text);
        }
    }

    @Test
    void ordersAsUnsignedNumbers() {
        assertTrue(Ipv4Address.parse("200.0.0.1").compareTo(Ipv4Address.parse("10.0.0.1")) > 0);
    }
}
