package dev.dispatcher.dataplane.conntrack;

/**
 * The one hash of a 5-tuple, used for both the flow table's slots and the choice of forwarding
 * worker, so that a flow always lands on the worker whose shard holds its entry.
 */
public final class FlowHash {
    private FlowHash() {
    }

    public static long keyHigh(int sourceIp, int destinationIp) {
        return ((long) sourceIp << 32) | (destinationIp & 0xFFFF_FFFFL);
    }

    /** Ports and protocol; bit 0 is always set so that 0 can mean "empty slot". */
    public static long keyLow(int sourcePort, int destinationPort, int protocol) {
        return ((long) sourcePort << 32) | ((long) destinationPort << 16) | ((long) protocol << 8) | 1L;
    }

    /** Murmur3's 64-bit finaliser over both key words: cheap and well mixed in every bit. */
    public static long hash(long keyHigh, long keyLow) {
        long h = keyHigh * 0x9E37_79B9_7F4A_7C15L ^ Long.rotateLeft(keyLow, 29);
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return h;
    }

    /** The worker that owns a flow; uses the high bits, which the table's slot index does not. */
    public static int shard(long hash, int shards) {
        return (int) (((hash >>> 32) & 0x7FFF_FFFFL) % shards);
    }
}
