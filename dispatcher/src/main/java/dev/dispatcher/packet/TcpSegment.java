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

    private PacketBuffer buffer;
    private int offset;

    /** {@code length} is the IP payload length, which bounds the segment. */
    public int wrap(PacketBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        if (length < MIN_HEADER_LENGTH) {
            return TRUNCATED;
        }
        int dataOffsetBytes = (buffer.getU8(offset + 12) >>> 4) * 4;
        if (dataOffsetBytes < MIN_HEADER_LENGTH || dataOffsetBytes > length) {
            return BAD_DATA_OFFSET;
        }
        return OK;
    }

    public int sourcePort() {
        return buffer.getU16(offset);
    }

    public int destinationPort() {
        return buffer.getU16(offset + 2);
    }

    public int flags() {
        return buffer.getU8(offset + 13);
    }
}
