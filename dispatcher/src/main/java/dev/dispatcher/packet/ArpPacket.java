package dev.dispatcher.packet;

/**
 * Flyweight for an ARP packet for IPv4 over Ethernet (RFC 826; gratuitous ARP per RFC 5227
 * section 3), read and written in place at an offset inside a frame.
 */
public final class ArpPacket {
    public static final int LENGTH = 28;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    /** {@link #wrap} results. */
    public static final int OK = 0;
    public static final int TRUNCATED = 1;
    /** Not Ethernet/IPv4 ARP (hardware type 1, protocol 0x0800, lengths 6 and 4). */
    public static final int UNSUPPORTED = 2;

    private static final int HTYPE = 0;
    private static final int PTYPE = 2;
    private static final int HLEN = 4;
    private static final int PLEN = 5;
    private static final int OPER = 6;
    private static final int SHA = 8;
    private static final int SPA = 14;
    private static final int THA = 18;
    private static final int TPA = 24;

    private PacketBuffer buffer;
    private int offset;

    public int wrap(PacketBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        if (buffer.length() - offset < LENGTH) {
            return TRUNCATED;
        }
        if (buffer.getU16(offset + HTYPE) != 1
                || buffer.getU16(offset + PTYPE) != EthernetFrame.TYPE_IPV4
                || buffer.getU8(offset + HLEN) != 6
                || buffer.getU8(offset + PLEN) != 4) {
            return UNSUPPORTED;
        }
        return OK;
    }

    public int operation() {
        return buffer.getU16(offset + OPER);
    }

    public long senderMac() {
        return buffer.getU48(offset + SHA);
    }

    public int senderIp() {
        return buffer.getInt(offset + SPA);
    }

    public long targetMac() {
        return buffer.getU48(offset + THA);
    }

    public int targetIp() {
        return buffer.getInt(offset + TPA);
    }

    /** Writes a complete Ethernet/IPv4 ARP body at the wrapped offset. */
    public void write(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        buffer.putU16(offset + HTYPE, 1);
        buffer.putU16(offset + PTYPE, EthernetFrame.TYPE_IPV4);
        buffer.putU8(offset + HLEN, 6);
        buffer.putU8(offset + PLEN, 4);
        buffer.putU16(offset + OPER, operation);
        buffer.putU48(offset + SHA, senderMac);
        buffer.putInt(offset + SPA, senderIp);
        buffer.putU48(offset + THA, targetMac);
        buffer.putInt(offset + TPA, targetIp);
    }
}
