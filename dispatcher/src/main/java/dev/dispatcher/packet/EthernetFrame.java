package dev.dispatcher.packet;

/**
 * Flyweight for an Ethernet II header (IEEE 802.3 clause 3.2) with up to two VLAN tags
 * (IEEE 802.1Q C-tag 0x8100, 802.1ad S-tag 0x88A8), read in place.
 *
 * <p>After a successful {@link #wrap}, {@link #etherType()} is the type after the tags and
 * {@link #payloadOffset()} the index of the first byte after them. Tags are kept as they are when a
 * frame is forwarded: only the two MAC fields are ever written.
 */
public final class EthernetFrame {
    public static final int HEADER_LENGTH = 14;
    public static final int VLAN_TAG_LENGTH = 4;
    public static final int MAX_VLAN_TAGS = 2;
    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    public static final int TYPE_VLAN = 0x8100;
    public static final int TYPE_QINQ = 0x88A8;
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    /** {@link #wrap} results. */
    public static final int OK = 0;
    public static final int TRUNCATED = 1;
    public static final int TOO_MANY_TAGS = 2;

    private static final int DST_OFFSET = 0;
    private static final int SRC_OFFSET = 6;
    private static final int TYPE_OFFSET = 12;

    private PacketBuffer buffer;
    private long destination;
    private long source;
    private int etherType;
    private int payloadOffset;
    private int vlanTags;

    /** Reads the header; returns {@link #OK}, {@link #TRUNCATED} or {@link #TOO_MANY_TAGS}. */
    public int wrap(PacketBuffer buffer) {
        this.buffer = buffer;
        int length = buffer.length();
        if (length < HEADER_LENGTH) {
            return TRUNCATED;
        }
        // The whole untagged header in two overlapping reads (bytes 0-7: destination and the
        // source's first two bytes; 6-13: source and type). Each read of the frame's memory
        // costs bounds and session checks, and the compiler's budget for the hot path.
        long first8 = buffer.getLong(DST_OFFSET);
        long sourceAndType = buffer.getLong(SRC_OFFSET);
        this.destination = first8 >>> 16;
        this.source = sourceAndType >>> 16;
        int typeOffset = TYPE_OFFSET;
        int type = (int) sourceAndType & 0xFFFF;
        int tags = 0;
        while (type == TYPE_VLAN || type == TYPE_QINQ) {
            if (tags == MAX_VLAN_TAGS) {
                return TOO_MANY_TAGS;
            }
            typeOffset += VLAN_TAG_LENGTH;
            if (typeOffset + 2 > length) {
                return TRUNCATED;
            }
            type = buffer.getU16(typeOffset);
            tags++;
        }
        this.etherType = type;
        this.vlanTags = tags;
        this.payloadOffset = typeOffset + 2;
        return OK;
    }

    /** The destination as read by {@link #wrap} (or last set). */
    public long destination() {
        return destination;
    }

    /** The source as read by {@link #wrap} (or last set). */
    public long source() {
        return source;
    }

    public void destination(long mac) {
        buffer.putU48(DST_OFFSET, mac);
        this.destination = mac;
    }

    public void source(long mac) {
        buffer.putU48(SRC_OFFSET, mac);
        this.source = mac;
    }

    /**
     * Sets both addresses with two stores instead of four: the MAC rewrite of every forwarded
     * frame (12 bytes: destination in the first 6, source in the next 6).
     */
    public void addresses(long destination, long source) {
        buffer.putLong(DST_OFFSET, (destination << 16) | ((source >>> 32) & 0xFFFF));
        buffer.putInt(SRC_OFFSET + 2, (int) source);
        this.destination = destination;
        this.source = source;
    }

    public int etherType() {
        return etherType;
    }

    public int vlanTags() {
        return vlanTags;
    }

    /** VLAN id (12 bits) of the outermost tag, or -1 when the frame is untagged. */
    public int outerVlanId() {
        return vlanTags == 0 ? -1 : buffer.getU16(TYPE_OFFSET + 2) & 0x0FFF;
    }

    public int payloadOffset() {
        return payloadOffset;
    }

    /**
     * True for an address one station may send from: non-zero and not a group address. IEEE 802
     * (clause 8.2) reserves the I/G bit for destinations; a frame whose source has it set, or is
     * all zeros, was not sent by any station and a reply to it would go to a group.
     */
    public static boolean isIndividualAddress(long mac) {
        return mac != 0 && (mac & 0x0100_0000_0000L) == 0;
    }
}
