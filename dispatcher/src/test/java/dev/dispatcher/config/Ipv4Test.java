package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4Test {
    @ParameterizedTest
    @CsvSource({
        "198.18.0.1,      0xC6120001",
        "198.19.255.254,  0xC613FFFE",
        "0.0.0.0,         0x00000000",
        "255.255.255.255, 0xFFFFFFFF",
        "10.0.0.255,      0x0A0000FF",
        "128.0.0.0,       0x80000000",
    })
    void parsesAndFormatsBothWays(String text, String hex) {
        int expected = Integer.parseUnsignedInt(hex.substring(2), 16);
        assertEquals(expected, Ipv4.parse(text));
        assertEquals(text, Ipv4.format(expected));
    }

    @Test
    void firstOctetIsTheMostSignificantByte() {
        assertEquals(198 << 24 | 18 << 16 | 0 << 8 | 100, Ipv4.parse("198.18.0.100"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "198.18.0", "198.18.0.1.", ".198.18.0.1", "198.18.0.1.2", "198..0.1",
        "198.18.0.256", "198.18.0.1000", "198.18.0.01", "198.018.0.1", "00.0.0.0", "+1.2.3.4", "-1.2.3.4",
        " 198.18.0.1", "198.18.0.1 ", "198.18.0.1/32", "0x7f.0.0.1", "3323068417", "198.18.0.a",
        "١٩٨.18.0.1", "198,18,0,1"})
    void refusesAnythingButAStrictDottedQuad(String text) {
        assertThrows(IllegalArgumentException.class, () -> Ipv4.parse(text));
    }

    @Test
    void explainsWhyAnAddressIsRefused() {
        assertEquals("an octet has a leading zero",
                assertThrows(IllegalArgumentException.class, () -> Ipv4.parse("198.018.0.1")).getMessage());
        assertEquals("an octet is greater than 255",
                assertThrows(IllegalArgumentException.class, () -> Ipv4.parse("198.18.0.256")).getMessage());
    }

    @Test
    void knowsWhichAddressesAreNotUnicastHosts() {
        assertEquals(Optional.of("the unspecified address"), Ipv4.whyNotUnicast(Ipv4.parse("0.0.0.0")));
        assertEquals(Optional.of("the limited broadcast address"), Ipv4.whyNotUnicast(Ipv4.parse("255.255.255.255")));
        assertEquals(Optional.of("multicast, 224.0.0.0/4"), Ipv4.whyNotUnicast(Ipv4.parse("224.0.0.0")));
        assertEquals(Optional.of("multicast, 224.0.0.0/4"), Ipv4.whyNotUnicast(Ipv4.parse("239.255.255.255")));
        assertEquals(Optional.of("loopback, 127.0.0.0/8"), Ipv4.whyNotUnicast(Ipv4.parse("127.0.0.1")));
        assertEquals(Optional.of("loopback, 127.0.0.0/8"), Ipv4.whyNotUnicast(Ipv4.parse("127.255.255.255")));
        assertTrue(Ipv4.isUnicast(Ipv4.parse("198.18.0.1")));
        assertTrue(Ipv4.isUnicast(Ipv4.parse("223.255.255.255")));
        assertTrue(Ipv4.isUnicast(Ipv4.parse("240.0.0.1")));
        assertTrue(Ipv4.isUnicast(Ipv4.parse("126.255.255.255")));
        assertFalse(Ipv4.isUnicast(Ipv4.parse("224.0.0.1")));
    }
}
