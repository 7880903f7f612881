package dev.dispatcher.dataplane.io.pcap4j;

/**
 * The libpcap filter expression for the capture handle: ARP, and IPv4 to a VIP, untagged or behind one VLAN
 * tag; never frames we sent ourselves. Everything else stays in the kernel and costs us nothing.
 */
public final class PcapCaptureFilter {
    private PcapCaptureFilter() {
    }

    public static String forVips(int[] addresses, long ownMac) {
        StringBuilder vips = new StringBuilder();
        for (int i = 0; i < addresses.length; i++) {
            if (i > 0) {
                vips.append(" or ");
            }
            int a = addresses[i];
            vips.append("dst host ").append(a >>> 24).append('.').append(a >>> 16 & 0xFF).append('.')
                    .append(a >>> 8 & 0xFF).append('.').append(a & 0xFF);
        }
        String ours = "(arp or (ip and (" + vips + ")))";
        return "not ether src " + formatMac(ownMac) + " and (" + ours + " or (vlan and " + ours + "))";
    }

    static String formatMac(long mac) {
        StringBuilder s = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (shift < 40) {
                s.append(':');
            }
            s.append(String.format("%02x", (mac >>> shift) & 0xFF));
        }
        return s.toString();
    }
}
