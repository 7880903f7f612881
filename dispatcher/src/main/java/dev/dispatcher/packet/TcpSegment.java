package dev.dispatcher.packet;

/** Flyweight for a TCP header (RFC 9293 section 3.1), read in place. */
public final class TcpSegment {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int ACK = 0x10;

    /** {@link #wrap} results. */
    public static final int OK = 0;
    public static final int TRUNCATED = 1;
    public static final int BAD_DATA_OFFSET = 2;

    private int ports;
    private int flags;

    /**
     * {@code length} is the IP payload length, which bounds the segment. Reads the two words the
     * forwarder needs once (ports; data offset and flags): each read of the frame's memory costs
     * its bounds and liveness checks, so fewer wider reads are cheaper.
     */
    public int wrap(PacketBuffer buffer, int offset, int length) {
        if (length < MIN_HEADER_LENGTH) {
            return TRUNCATED;
        }
        int offsetAndFlags = buffer.getU16(offset + 12);
        int dataOffsetBytes = (offsetAndFlags >>> 12) * 4;
        if (dataOffsetBytes < MIN_HEADER_LENGTH || dataOffsetBytes > length) {
            return BAD_DATA_OFFSET;
        }
        this.ports = buffer.getInt(offset);
        this.flags = offsetAndFlags & 0xFF;
        return OK;
    }

    public int sourcePort() {
        return ports >>> 16;
    }

    public int destinationPort() {
        return ports & 0xFFFF;
    }

    public int flags() {
        return flags;
    }
}
