package dev.dispatcher.dataplane.core;

/**
 * What happened to a received frame. Every frame gets exactly one verdict, so after traffic stops
 * the received count equals the sum over all verdicts. Three kinds: forwarded to a real server;
 * passed (handled here or not ours: ARP, other hosts' traffic); dropped (by reason).
 */
public final class Verdict {
    /**
     * Not a verdict: what a stage of the forwarder returns when the frame goes on to the next
     * stage. Never counted.
     */
    public static final int CONTINUE = -1;

    public static final int FORWARDED = 0;

    // Passed: handled by the dispatcher itself, or not addressed to a service.
    public static final int ARP_REPLIED = 1;
    public static final int ARP_LEARNED = 2;
    public static final int ARP_IGNORED = 3;
    public static final int NOT_IPV4 = 4;
    public static final int NOT_VIP = 5;
    public static final int NOT_OUR_MAC = 6;

    // Dropped.
    public static final int TRUNCATED = 7;
    public static final int BAD_HEADER = 8;
    public static final int FRAGMENT = 9;
    public static final int NO_SERVICE = 10;
    public static final int NO_SERVER = 11;
    public static final int TABLE_FULL = 12;
    public static final int OVERSIZE = 13;
    public static final int CAPTURE_TRUNCATED = 14;
    public static final int BAD_CHECKSUM = 15;
    public static final int RING_FULL = 16;
    public static final int SEND_ERROR = 17;
    public static final int BAD_SOURCE_MAC = 18;
    public static final int SPOOFED_SOURCE = 19;
    public static final int SERVER_FULL = 20;

    public static final int COUNT = 21;

    private static final String[] NAMES = {
        "forwarded",
        "arp_replied", "arp_learned", "arp_ignored", "not_ipv4", "not_vip", "not_our_mac",
        "truncated", "bad_header", "fragment", "no_service", "no_server", "table_full", "oversize",
        "capture_truncated", "bad_checksum", "ring_full", "send_error", "bad_source_mac", "spoofed_source",
        "server_full",
    };

    private static final String[] DESCRIPTIONS = {
        "forwarded to a real server",
        "ARP request for a VIP answered", "ARP from a real server (MAC learned)", "ARP not for a VIP",
        "not IPv4 (e.g. IPv6, LLDP)", "IPv4 not addressed to a VIP", "IPv4 to a VIP but not to our MAC",
        "frame shorter than its headers",
        "malformed header (IPv4 version/IHL/length, TCP offset, UDP length, ARP types)",
        "IPv4 fragment (cannot be mapped to a flow)", "VIP without this port/protocol",
        "no eligible real server (weights 0 or MACs unknown)", "flow table full",
        "IPv4 packet larger than the interface MTU (GSO/GRO super-frame)",
        "captured length below wire length (snaplen too small, or GSO/GRO)",
        "bad TCP/UDP checksum on a flow's first packet (sender's checksum offload?)",
        "pipeline ring full", "send to the interface failed",
        "source MAC (or ARP sender MAC) is a group or all-zero address (IEEE 802: never a sender)",
        "IPv4 to a VIP from the VIP itself or from a multicast, broadcast, loopback or unspecified address",
        "new connection while every eligible real server is at its max-connections",
    };

    private Verdict() {
    }

    public static String name(int verdict) {
        return NAMES[verdict];
    }

    public static String description(int verdict) {
        return DESCRIPTIONS[verdict];
    }

    public static boolean isDrop(int verdict) {
        return verdict >= TRUNCATED;
    }

    public static boolean isPass(int verdict) {
        return verdict >= ARP_REPLIED && verdict <= NOT_OUR_MAC;
    }

    /** "forwarded", "passed" or "dropped". */
    public static String kind(int verdict) {
        return verdict == FORWARDED ? "forwarded" : isPass(verdict) ? "passed" : "dropped";
    }
}
