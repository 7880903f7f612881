package dev.dispatcher.dataplane.core;

/**
 * One flow's identity, filled once per frame by the parse stage and read by every later stage:
 * source and destination address (128 bits each), ports and protocol, and the hashes derived
 * from them. Preallocated and reused (one per worker), never allocated per frame.
 *
 * <p>Addresses are 128 bits for both families. An IPv4 address is held in its IPv4-mapped form
 * ({@code ::ffff:a.b.c.d}, RFC 4291 section 2.5.5.2): high word 0, low word
 * {@code 0x0000_FFFF_xxxx_xxxx}. So one table, one hash and one comparison serve IPv4 and IPv6,
 * an IPv4 flow can never equal an IPv6 one, and the IPv4 path pays no branch on the family.
 *
 * <p>Both hashes are direction-free: the key of a reply (source and destination swapped) hashes
 * like the key of the request. The quoted header inside an ICMP error is such a reply (it went
 * from the VIP to the client); reversed or not it finds the client's flow and its worker.
 * <ul>
 *   <li>{@link #hash()}: 64 bits, well mixed, for the flow table's slots. For one VIP and port
 *       the combined words are injective in (client address, client port), so the mixing is the
 *       only source of collisions.</li>
 *   <li>{@link #steering()}: 32 bits, computed with 32-bit operations only, so a classic BPF
 *       program can compute it in the kernel from the packet's own bytes (the fanout group's
 *       steering program does exactly that): the worker that owns a flow is then the same
 *       whichever side computes it.</li>
 * </ul>
 */
public final class FlowKey {
    /** The low word of an IPv4-mapped address, without the IPv4 address itself. */
    public static final long IPV4_MAPPED = 0x0000_FFFF_0000_0000L;
    /** Multipliers of the steering hash; the kernel's program uses the same constants. */
    public static final int STEERING_MULTIPLIER_1 = 0x9E37_79B1;
    public static final int STEERING_MULTIPLIER_2 = 0x85EB_CA77;

    private long sourceHigh;
    private long sourceLow;
    private long destinationHigh;
    private long destinationLow;
    private int sourcePort;
    private int destinationPort;
    private int protocol;
    private boolean ipv4;
    private long hash;

    /** Sets an IPv4 flow; ports are 0 for protocols without them. */
    public FlowKey ipv4(int source, int destination, int sourcePort, int destinationPort, int protocol) {
        return fill(0, IPV4_MAPPED | (source & 0xFFFF_FFFFL), 0, IPV4_MAPPED | (destination & 0xFFFF_FFFFL),
                sourcePort, destinationPort, protocol, true);
    }

    /** Sets a flow from 128-bit addresses (IPv6, or IPv4 already in its mapped form). */
    public FlowKey set(long sourceHigh, long sourceLow, long destinationHigh, long destinationLow,
                       int sourcePort, int destinationPort, int protocol) {
        return fill(sourceHigh, sourceLow, destinationHigh, destinationLow, sourcePort, destinationPort, protocol,
                isIpv4(sourceHigh, sourceLow) && isIpv4(destinationHigh, destinationLow));
    }

    private FlowKey fill(long sourceHigh, long sourceLow, long destinationHigh, long destinationLow,
                         int sourcePort, int destinationPort, int protocol, boolean bothIpv4) {
        this.sourceHigh = sourceHigh;
        this.sourceLow = sourceLow;
        this.destinationHigh = destinationHigh;
        this.destinationLow = destinationLow;
        this.sourcePort = sourcePort;
        this.destinationPort = destinationPort;
        this.protocol = protocol;
        this.ipv4 = bothIpv4;
        long portsWord = portsWord();
        this.hash = hash(sourceHigh, sourceLow, destinationHigh, destinationLow, portsWord);
        return this;
    }

    /** Copies {@code other} (hashes included) into this key. */
    public FlowKey copyFrom(FlowKey other) {
        sourceHigh = other.sourceHigh;
        sourceLow = other.sourceLow;
        destinationHigh = other.destinationHigh;
        destinationLow = other.destinationLow;
        sourcePort = other.sourcePort;
        destinationPort = other.destinationPort;
        protocol = other.protocol;
        ipv4 = other.ipv4;
        hash = other.hash;
        return this;
    }

    public long sourceHigh() {
        return sourceHigh;
    }

    public long sourceLow() {
        return sourceLow;
    }

    public long destinationHigh() {
        return destinationHigh;
    }

    public long destinationLow() {
        return destinationLow;
    }

    public int sourcePort() {
        return sourcePort;
    }

    public int destinationPort() {
        return destinationPort;
    }

    public int protocol() {
        return protocol;
    }

    /** True when both addresses are IPv4 (held IPv4-mapped). */
    public boolean isIpv4() {
        return ipv4;
    }

    /**
     * Both IPv4 addresses in one word, source in the high half: what a table that stores IPv4
     * flows compactly keeps instead of the four address words. Meaningful only when
     * {@link #isIpv4()}.
     */
    public long ipv4Pair() {
        return (sourceLow << 32) | (destinationLow & 0xFFFF_FFFFL);
    }

    public static boolean isIpv4(long high, long low) {
        return high == 0 && (low & 0xFFFF_FFFF_0000_0000L) == IPV4_MAPPED;
    }

    /** The IPv4 source address; meaningful only when {@link #isIpv4()}. */
    public int ipv4Source() {
        return (int) sourceLow;
    }

    public int ipv4Destination() {
        return (int) destinationLow;
    }

    /**
     * Ports and protocol in one word, the fifth word of a flow table key: source port in bits
     * 32..47, destination port in 16..31, protocol in 8..15 and bit 0 always set, so that a key
     * word of 0 can mean "empty slot".
     */
    public long portsWord() {
        return ((long) sourcePort << 32) | ((long) destinationPort << 16) | ((long) protocol << 8) | 1L;
    }

    /** The 64-bit direction-free hash, for the flow table. */
    public long hash() {
        return hash;
    }

    /**
     * The 32-bit direction-free steering hash: see {@link #shard}. Computed when asked (only the
     * shard selector and the control plane ask), not for every frame the forwarder parses.
     */
    public int steering() {
        return steering(sourceHigh ^ sourceLow ^ destinationHigh ^ destinationLow, sourcePort ^ destinationPort,
                protocol);
    }

    /** The worker (0..shards-1) that owns this flow, in every pipeline mode. */
    public int shard(int shards) {
        return Integer.remainderUnsigned(steering(), shards);
    }

    /**
     * The table hash of a stored key (the flow table recomputes it when it shifts entries).
     * Addresses combine by XOR, so swapping source and destination changes nothing; the
     * multiplication keeps the high words from cancelling the low ones.
     */
    public static long hash(long sourceHigh, long sourceLow, long destinationHigh, long destinationLow,
            long portsWord) {
        long addresses = ((sourceHigh ^ destinationHigh) * 0x9E37_79B9_7F4A_7C15L) ^ (sourceLow ^ destinationLow);
        long ports = (((portsWord >>> 32) ^ (portsWord >>> 16)) & 0xFFFF) << 48 | ((portsWord >>> 8) & 0xFF) << 40;
        // Murmur3's 64-bit finaliser: every input bit reaches every output bit.
        long h = addresses ^ ports;
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * The steering hash from the XOR of all four address words, the XOR of the ports and the
     * protocol, in 32-bit operations (a classic BPF program has no others). For IPv4-mapped
     * addresses the fold is just {@code source ^ destination}: the mapped prefixes cancel.
     */
    public static int steering(long addressWords, int portsXor, int protocol) {
        int h = (int) (addressWords ^ (addressWords >>> 32));
        h ^= (portsXor << 16) ^ protocol;
        h *= STEERING_MULTIPLIER_1;
        h ^= h >>> 15;
        h *= STEERING_MULTIPLIER_2;
        h ^= h >>> 13;
        return h;
    }

    /** Same flow (addresses, ports, protocol, in the same direction). */
    public boolean sameFlowAs(FlowKey other) {
        return sourceLow == other.sourceLow && destinationLow == other.destinationLow && sourceHigh == other.sourceHigh
                && destinationHigh == other.destinationHigh && portsWord() == other.portsWord();
    }

    /** For logs and tests; allocates. */
    @Override
    public String toString() {
        return address(sourceHigh, sourceLow) + ":" + sourcePort + " > " + address(destinationHigh, destinationLow)
                + ":" + destinationPort + " proto " + protocol;
    }

    private static String address(long high, long low) {
        if (isIpv4(high, low)) {
            int a = (int) low;
            return (a >>> 24) + "." + (a >>> 16 & 0xFF) + "." + (a >>> 8 & 0xFF) + "." + (a & 0xFF);
        }
        return String.format("[%016x%016x]", high, low);
    }
}
