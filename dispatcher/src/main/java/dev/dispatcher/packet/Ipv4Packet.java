package dev.dispatcher.packet;

/**
 * Flyweight for an IPv4 header (RFC 791 section 3.1), options included, read in place.
 *
 * <p>{@link #wrap} checks what a forwarder must trust before it reads ports: version 4, an IHL of
 * at least 5 words that fits the frame, and a total length that covers the header and does not
 * run past the captured bytes (Ethernet padding after it is allowed).
 */
public final class Ipv4Packet {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    /** {@link #wrap} results. */
    public static final int OK = 0;
    public static final int TRUNCATED = 1;
    public static final int BAD_VERSION = 2;
    public static final int BAD_IHL = 3;
    public static final int BAD_TOTAL_LENGTH = 4;

    private static final int FLAGS_MF = 0x2000;
    private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private PacketBuffer buffer;
    private int offset;
    private int headerLength;
    private int totalLength;
    private int fragmentWord;
    private int protocol;
    private int ttl;
    private int source;
    private int destination;

    /**
     * True when {@code address} may be the source of a packet from another host: not 0.0.0.0/8
     * ("this network", RFC 1122 section 3.2.1.3: only while a host learns its address), not
     * loopback (127.0.0.0/8, never on a wire), not multicast (224.0.0.0/4) and not the limited
     * broadcast address. The kernel calls packets with such sources martians and drops them; a
     * balancer must too, or it schedules flows that can never be answered.
     */
    public static boolean isUnicastSource(int address) {
        int first = address >>> 24;
        return first != 0 && first != 127 && (first & 0xF0) != 0xE0 && address != 0xFFFF_FFFF;
    }

    public int wrap(PacketBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        int available = buffer.length() - offset;
        if (available < MIN_HEADER_LENGTH) {
            return TRUNCATED;
        }
        // The fixed header in three reads (bytes 0-7: version, IHL, total length, fragment word;
        // 8-15: TTL, protocol, checksum, source; 16-19: destination); every accessor reads these.
        long first8 = buffer.getLong(offset);
        int versionIhl = (int) (first8 >>> 56);
        if ((versionIhl >>> 4) != 4) {
            return BAD_VERSION;
        }
        int ihlBytes = (versionIhl & 0x0F) * 4;
        if (ihlBytes < MIN_HEADER_LENGTH || ihlBytes > available) {
            return BAD_IHL;
        }
        int total = (int) (first8 >>> 32) & 0xFFFF;
        if (total < ihlBytes || total > available) {
            return BAD_TOTAL_LENGTH;
        }
        this.headerLength = ihlBytes;
        this.totalLength = total;
        this.fragmentWord = (int) first8 & 0xFFFF;
        long ttlProtocolChecksumSource = buffer.getLong(offset + 8);
        this.protocol = (int) (ttlProtocolChecksumSource >>> 48) & 0xFF;
        this.ttl = (int) (ttlProtocolChecksumSource >>> 56);
        this.source = (int) ttlProtocolChecksumSource;
        this.destination = buffer.getInt(offset + 16);
        return OK;
    }

    public int headerLength() {
        return headerLength;
    }

    public int totalLength() {
        return totalLength;
    }

    public int protocol() {
        return protocol;
    }

    public int ttl() {
        return ttl;
    }

    public int source() {
        return source;
    }

    public int destination() {
        return destination;
    }

    /** True for any fragment, first or later: more-fragments set or a non-zero offset. */
    public boolean isFragment() {
        return (fragmentWord & (FLAGS_MF | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int payloadOffset() {
        return offset + headerLength;
    }

    public int payloadLength() {
        return totalLength - headerLength;
    }
}
