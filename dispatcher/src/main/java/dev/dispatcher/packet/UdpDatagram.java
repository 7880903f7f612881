package dev.dispatcher.packet;

/** Flyweight for a UDP header (RFC 768), read in place. */
public final class UdpDatagram {
    public static final int HEADER_LENGTH = 8;

    /** {@link #wrap} results. */
    public static final int OK = 0;
    public static final int TRUNCATED = 1;
    public static final int BAD_LENGTH = 2;

    private PacketBuffer buffer;
    private int offset;
    private int ports;

    /** {@code length} is the IP payload length, which bounds the datagram. Reads the ports once. */
    public int wrap(PacketBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        if (length < HEADER_LENGTH) {
            return TRUNCATED;
        }
        // Ports and length in one read of the 8-byte header.
        long header = buffer.getLong(offset);
        int udpLength = (int) (header >>> 16) & 0xFFFF;
        if (udpLength < HEADER_LENGTH || udpLength > length) {
            return BAD_LENGTH;
        }
        this.ports = (int) (header >>> 32);
        return OK;
    }

    public int sourcePort() {
        return ports >>> 16;
    }

    public int destinationPort() {
        return ports & 0xFFFF;
    }

    public int length() {
        return buffer.getU16(offset + 4);
    }

    public int checksum() {
        return buffer.getU16(offset + 6);
    }
}
