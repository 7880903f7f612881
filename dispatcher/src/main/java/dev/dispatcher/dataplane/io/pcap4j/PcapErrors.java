package dev.dispatcher.dataplane.io.pcap4j;

import java.util.Locale;

/** Turns libpcap's messages into one-line errors that say what to do. */
final class PcapErrors {
    private PcapErrors() {
    }

    static String describe(String interfaceName, Exception e) {
        String message = String.valueOf(e.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("permission") || lower.contains("operation not permitted")) {
            return "cannot capture on " + interfaceName + ": permission denied; run as root or grant "
                    + "CAP_NET_RAW (packet sockets) and CAP_NET_ADMIN (ring and filter setup)";
        }
        if (lower.contains("no such device") || lower.contains("doesn't exist") || lower.contains("not exist")) {
            return "interface " + interfaceName + " does not exist (see `ip link show`)";
        }
        return "libpcap error on " + interfaceName + ": " + message.strip();
    }
}
