package dev.dispatcher.config;

/**
 * A real server behind a port. It must hold the VIP on a non-ARPing interface (hidden ARP), since
 * frames reach it with the VIP as destination IP.
 *
 * @param address IPv4 as int, unicast, never a VIP
 * @param weight  share of new flows, {@value #MIN_WEIGHT}..{@value #MAX_WEIGHT}; 0 drains: existing
 *                flows stay, no new ones arrive
 * @param mac     a static MAC (48 bits in a long) that replaces ARP resolution, or {@link #NO_MAC};
 *                the loader gives every listing of one address the same value
 * @param maxConnections active flows at which the server gets no new ones, or {@link #NO_LIMIT}
 *                (then the port's default applies)
 * @param minConnections active flows below which a server at its limit gets new flows again, or
 *                {@link #NO_LIMIT} (then the port's, or 3/4 of the limit)
 */
public record ServerConfig(int address, int weight, long mac, int maxConnections, int minConnections) {
    /** No static MAC: the dispatcher resolves the address by ARP. Not a valid 48-bit value. */
    public static final long NO_MAC = -1L;
    public static final int MIN_WEIGHT = 0;
    public static final int MAX_WEIGHT = 10_000;
    public static final int DEFAULT_WEIGHT = 1;
    /** Not set: no connection limit of its own. */
    public static final int NO_LIMIT = 0;
    /** Far above what a flow table holds: only typos are refused. */
    public static final int MAX_CONNECTIONS = 100_000_000;

    public ServerConfig {
        if (maxConnections < 0 || minConnections < 0) {
            throw new IllegalArgumentException("connection limits must not be negative");
        }
    }

    /** Without connection limits of its own. */
    public ServerConfig(int address, int weight, long mac) {
        this(address, weight, mac, NO_LIMIT, NO_LIMIT);
    }

    public boolean hasStaticMac() {
        return mac != NO_MAC;
    }

    @Override
    public String toString() {
        return "ServerConfig[address=" + Ipv4.format(address) + ", weight=" + weight + ", mac="
                + (hasStaticMac() ? MacAddress.format(mac) : "arp")
                + (maxConnections == NO_LIMIT ? "" : ", maxConnections=" + maxConnections)
                + (minConnections == NO_LIMIT ? "" : ", minConnections=" + minConnections) + "]";
    }
}
