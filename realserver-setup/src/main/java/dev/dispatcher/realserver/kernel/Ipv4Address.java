package dev.dispatcher.realserver.kernel;

/**
 * An IPv4 address as its 32 bits.
 *
 * <p>Parsing is strict dotted-quad on purpose: {@code InetAddress.getByName} would resolve host
 * names and accept forms such as {@code 10.1} or octal {@code 010.0.0.1}, and a VIP typed wrong is
 * exactly the mistake this command must refuse before it changes anything.
 */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    /** Parses {@code a.b.c.d} with each part 0-255 in decimal without leading zeros. */
    public static Ipv4Address parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text
                    + "' is not an IPv4 address (expected four parts like 198.18.0.100)");
        }
        int bits = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (part '" + part
                        + "' is not a number 0-255)");
            }
            if (part.length() > 1 && part.charAt(0) == '0') {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (part '" + part
                        + "' has a leading zero)");
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (part '" + part
                        + "' is above 255)");
            }
            bits = (bits << 8) | value;
        }
        return new Ipv4Address(bits);
    }

    /**
     * Parses an address that is to become a VIP, refusing the ones no balancer can serve: they would
     * either break the host (loopback) or never arrive as unicast (multicast, broadcast).
     */
    public static Ipv4Address parseVip(String text) {
        Ipv4Address address = parse(text);
        int first = address.bits >>> 24;
        if (address.bits == 0) {
            throw new IllegalArgumentException("'" + text + "' is the unspecified address, not a VIP");
        }
        if (first == 127) {
            throw new IllegalArgumentException("'" + text + "' is a loopback address, not a VIP");
        }
        if (first == 0) {
            throw new IllegalArgumentException("'" + text + "' is in 0.0.0.0/8 (this network), not a VIP");
        }
        if (first >= 224 && first <= 239) {
            throw new IllegalArgumentException("'" + text + "' is a multicast address, not a VIP");
        }
        if (first >= 240) {
            throw new IllegalArgumentException("'" + text + "' is reserved or broadcast (240.0.0.0/4), not a VIP");
        }
        return address;
    }

    @Override
    public int compareTo(Ipv4Address other) {
        return Integer.compareUnsigned(bits, other.bits);
    }

    @Override
    public String toString() {
        return (bits >>> 24) + "." + ((bits >>> 16) & 0xff) + "." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
    }
}
