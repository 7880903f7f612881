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
 */
public record ServerConfig(int address, int weight, long mac) {
    /** No static MAC: the dispatcher resolves the address by ARP. Not a valid 48-bit value. */
    public static final long NO_MAC = -1L;
    public static final int MIN_WEIGHT = 0;
    public static final int MAX_WEIGHT = 10_000;
    public static final int DEFAULT_WEIGHT = 1;

    public boolean hasStaticMac() {
        return mac != NO_MAC;
    }

    @Override
    public String toString() {
        return "ServerConfig[address=" + Ipv4.format(address) + ", weight=" + weight + ", mac="
                + (hasStaticMac() ? MacAddress.format(mac) : "arp") + "]";
    }
}
