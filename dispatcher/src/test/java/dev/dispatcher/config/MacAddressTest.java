package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {
    @Test
    void firstOctetIsBits47To40() {
        assertEquals(0x020000000001L, MacAddress.parse("02:00:00:00:00:01"));
        assertEquals(0xFFFFFFFFFFFFL, MacAddress.parse("ff:ff:ff:ff:ff:ff"));
        assertEquals(0x0123456789ABL, MacAddress.parse("01:23:45:67:89:ab"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"02:aB:cD:eF:00:11", "02-AB-CD-EF-00-11", "02-ab-cd-ef-00-11", "02:AB:CD:EF:00:11"})
    void acceptsColonsOrDashesInEitherCase(String text) {
        assertEquals(0x02ABCDEF0011L, MacAddress.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "02:00:00:00:00", "02:00:00:00:00:00:00", "02:00:00:00:00:0", "2:0:0:0:0:1",
        "02:00-00:00:00:01", "02-00-00-00-00:01", "02.00.00.00.00.01", "0200.0000.0001", "020000000001",
        "02:00:00:00:00:0g", " 02:00:00:00:00:01", "02:00:00:00:00:01 ", "+2:00:00:00:00:01", "02::00:00:00:001"})
    void refusesOtherForms(String text) {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
    }

    @Test
    void formatsLowerCaseWithColons() {
        assertEquals("02:00:00:00:00:01", MacAddress.format(0x020000000001L));
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.format(0xFFFFFFFFFFFFL));
        assertEquals("0a:1b:2c:3d:4e:5f", MacAddress.format(MacAddress.parse("0A-1B-2C-3D-4E-5F")));
    }

    @Test
    void groupBitMakesAMulticastAddress() {
        assertTrue(MacAddress.isMulticast(MacAddress.parse("01:00:5e:00:00:01")));
        assertTrue(MacAddress.isMulticast(MacAddress.parse("33:33:00:00:00:01")));
        assertTrue(MacAddress.isMulticast(MacAddress.parse("ff:ff:ff:ff:ff:ff")));
        assertFalse(MacAddress.isMulticast(MacAddress.parse("02:00:00:00:00:01")));
        assertFalse(MacAddress.isMulticast(MacAddress.parse("fe:ff:ff:ff:ff:ff")));
        assertTrue(MacAddress.isUnicast(MacAddress.parse("02:00:00:00:00:01")));
        assertFalse(MacAddress.isUnicast(0L));
        assertFalse(MacAddress.isUnicast(MacAddress.parse("03:00:00:00:00:01")));
    }

    @Test
    void noMacSentinelIsNeverAParsedValue() {
        assertEquals(-1L, ServerConfig.NO_MAC);
        assertTrue(MacAddress.parse("ff:ff:ff:ff:ff:ff") > 0, "48 bits never reach the sign bit");
    }
}
