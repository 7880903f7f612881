package dev.dispatcher.realserver.plan;

import java.util.List;

/**
 * Every sysctl {@code apply} sets on a real server, and why. The order is the order of
 * application: ARP is hidden before any VIP appears on lo.
 *
 * <p>Background, verified in network namespaces: the kernel applies the larger of
 * {@code conf/all/X} and {@code conf/<receiving interface>/X} for {@code arp_ignore} and
 * {@code arp_announce} ({@code conf/lo} plays no part), so setting {@code all} covers every
 * interface, including ones created later, without touching per-interface values.
 */
public final class HiddenArpSettings {
    /** The classic recipe's arp_ignore: hide only addresses of scope host. */
    public static final int ARP_IGNORE_SCOPE_HOST = 3;
    /** The common LVS alternative: answer only for addresses on the receiving interface. */
    public static final int ARP_IGNORE_RECEIVING_INTERFACE = 1;

    private HiddenArpSettings() {}

    public static List<Setting> table(int arpIgnore) {
        return List.of(
                // The VIP lives on lo so the stack accepts packets the dispatcher forwards to it;
                // without this, every real server answers "who has VIP" and clients (or the
                // router) send straight to whichever answered last, bypassing the dispatcher.
                new Setting("net/ipv4/conf/all/arp_ignore", Integer.toString(arpIgnore), arpIgnoreWhy(arpIgnore)),
                // With 0, an ARP request this host sends while replying from the VIP carries the
                // VIP as sender address; neighbours that hear it re-point the VIP to this host and
                // every later connection skips the dispatcher. 2 uses the outgoing interface's own
                // primary address instead.
                new Setting("net/ipv4/conf/all/arp_announce", "2",
                        "ARP requests from this host use the outgoing interface's own address, never the VIP;"
                                + " with 0 a neighbour that hears one re-points the VIP to this host"),
                // Not needed for hidden ARP; part of the recipe (and the kernel default since
                // 2.6.14): every real server holds the VIP, and none should answer broadcast pings.
                new Setting("net/ipv4/icmp_echo_ignore_broadcasts", "1",
                        "ignore broadcast and multicast pings (smurf amplification); the recipe sets it,"
                                + " hidden ARP does not depend on it"),
                // Strict reverse-path filtering, as the recipe sets it. Verified harmless for
                // forwarded packets: the dispatcher rewrites only the destination MAC, so the
                // client's source address still routes back out of the interface the packet came
                // in on (on-link clients and clients behind a router on that interface alike).
                // It drops only sources this host would route out of another interface.
                new Setting("net/ipv4/conf/all/rp_filter", "1",
                        "strict reverse-path filter against spoofed sources, as the recipe sets it; forwarded"
                                + " packets keep the client's source address, which routes back via the receiving"
                                + " interface, so they pass"));
    }

    private static String arpIgnoreWhy(int arpIgnore) {
        return switch (arpIgnore) {
            case ARP_IGNORE_SCOPE_HOST -> "answer no ARP request for a scope-host address, so only the dispatcher"
                    + " answers for the VIP on lo; conf/all counts for every interface, as the kernel uses"
                    + " max(all, interface)";
            case ARP_IGNORE_RECEIVING_INTERFACE -> "answer ARP only for addresses on the interface the request"
                    + " arrived on, so only the dispatcher answers for the VIP on lo; conf/all counts for every"
                    + " interface, as the kernel uses max(all, interface)";
            default -> throw new IllegalArgumentException("arp_ignore mode " + arpIgnore
                    + " is not supported (use 1 or 3)");
        };
    }

    /** The keys of {@link #table}, for reading the current values. */
    public static List<String> keys() {
        return table(ARP_IGNORE_SCOPE_HOST).stream().map(Setting::key).toList();
    }
}
