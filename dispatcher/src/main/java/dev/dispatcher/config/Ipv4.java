package dev.dispatcher.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * IPv4 addresses as {@code int}: {@code a.b.c.d == a << 24 | b << 16 | c << 8 | d}, the order the
 * address has on the wire, so the data plane compares it without conversion.
 */
public final class Ipv4 {
    private static final String FORM = "not four decimal octets separated by dots";

    private Ipv4() {
    }

    /**
     * Parses a strict dotted quad: four decimal octets 0..255 separated by dots, nothing else.
     * Leading zeros are refused because inet_aton(3) reads {@code 010} as octal 8; a config that
     * means something different to us and to {@code ping} is worse than one that fails.
     *
     * @throws IllegalArgumentException with a reason when the text is not a dotted quad
     */
    public static int parse(String text) {
        int address = 0;
        int octets = 0;
        int i = 0;
        int length = text.length();
        while (true) {
            int start = i;
            int value = 0;
            while (i < length && i - start < 4 && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                value = value * 10 + (text.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3) {
                throw new IllegalArgumentException(FORM);
            }
            if (digits > 1 && text.charAt(start) == '0') {
                throw new IllegalArgumentException("an octet has a leading zero");
            }
            if (value > 255) {
                throw new IllegalArgumentException("an octet is greater than 255");
            }
            address = address << 8 | value;
            octets++;
            if (octets == 4) {
                if (i != length) {
                    throw new IllegalArgumentException(FORM);
                }
                return address;
            }
            if (i >= length || text.charAt(i) != '.') {
                throw new IllegalArgumentException(FORM);
            }
            i++;
        }
    }

    /** The address as a java.net value, for sockets. */
    public static InetAddress toInetAddress(int address) {
        byte[] bytes = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }

    /** Formats as a dotted quad. */
    public static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "."
                + (address & 0xFF);
    }

    /**
     * Why an address cannot be a VIP or a real server: those are unicast hosts, and the data plane
     * would otherwise answer ARP for, or forward to, a group, the broadcast address or itself.
     *
     * @return empty when the address is usable unicast, else a short reason such as
     *         {@code "multicast, 224.0.0.0/4"}
     */
    public static Optional<String> whyNotUnicast(int address) {
        if (address == 0) {
            return Optional.of("the unspecified address");
        }
        if (address == -1) {
            return Optional.of("the limited broadcast address");
        }
        if ((address >>> 28) == 0xE) {
            return Optional.of("multicast, 224.0.0.0/4");
        }
        if ((address >>> 24) == 127) {
            return Optional.of("loopback, 127.0.0.0/8");
        }
        return Optional.empty();
    }

    /** True when {@link #whyNotUnicast} has nothing to say. */
    public static boolean isUnicast(int address) {
        return whyNotUnicast(address).isEmpty();
    }
}
