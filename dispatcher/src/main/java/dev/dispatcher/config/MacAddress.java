package dev.dispatcher.config;

import java.util.HexFormat;

/**
 * 48-bit MAC addresses as {@code long}, first octet in bits 47..40:
 * {@code 02:00:00:00:00:01 == 0x020000000001L}. The data plane writes them into frames as is.
 */
public final class MacAddress {
    /** The I/G bit (IEEE 802 section 8.2): set in the first octet for group (multicast) addresses. */
    private static final long GROUP_BIT = 1L << 40;
    private static final HexFormat HEX = HexFormat.of();
    private static final String FORM = "expected six two-digit hex octets like 02:00:00:00:00:11";

    private MacAddress() {
    }

    /**
     * Parses six two-digit hex octets separated all by {@code :} or all by {@code -} (the Linux
     * and the Windows/IEEE spelling), in either case.
     *
     * @throws IllegalArgumentException with a reason when the text is not such a MAC
     */
    public static long parse(String text) {
        if (text.length() != 17) {
            throw new IllegalArgumentException(FORM);
        }
        char separator = text.charAt(2);
        if (separator != ':' && separator != '-') {
            throw new IllegalArgumentException(FORM);
        }
        long mac = 0;
        for (int octet = 0; octet < 6; octet++) {
            int at = octet * 3;
            if (octet > 0 && text.charAt(at - 1) != separator) {
                throw new IllegalArgumentException(FORM);
            }
            char high = text.charAt(at);
            char low = text.charAt(at + 1);
            if (!HexFormat.isHexDigit(high) || !HexFormat.isHexDigit(low)) {
                throw new IllegalArgumentException(FORM);
            }
            mac = mac << 8 | HexFormat.fromHexDigit(high) << 4 | HexFormat.fromHexDigit(low);
        }
        return mac;
    }

    /** Formats as six lower-case octets separated by colons, the way {@code ip link} shows them. */
    public static String format(long mac) {
        StringBuilder text = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            text.append(HEX.toHexDigits((byte) (mac >>> shift)));
            if (shift > 0) {
                text.append(':');
            }
        }
        return text.toString();
    }

    /** True for group addresses (I/G bit set), which includes the broadcast address. */
    public static boolean isMulticast(long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    /** True for a non-zero individual address: the only kind a frame may be sent to one host with. */
    public static boolean isUnicast(long mac) {
        return mac != 0 && !isMulticast(mac);
    }
}
