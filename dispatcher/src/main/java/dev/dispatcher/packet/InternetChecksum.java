package dev.dispatcher.packet;

/**
 * The Internet checksum (RFC 1071) over TCP and UDP with the IPv4 pseudo-header (RFC 9293
 * section 3.1, RFC 768). The dispatcher never rewrites checksums (MAC forwarding leaves L3 and L4
 * untouched); it verifies them only on the first packet of a flow, to catch senders whose
 * checksum offload left a partial checksum in the frame.
 */
public final class InternetChecksum {
    private InternetChecksum() {
    }

    /**
     * True when the L4 checksum of the IPv4 packet wrapped by {@code ip} is correct. A UDP
     * checksum of zero means "none" (RFC 768) and is accepted.
     */
    public static boolean l4ChecksumValid(PacketBuffer buffer, Ipv4Packet ip) {
        int protocol = ip.protocol();
        int l4Offset = ip.payloadOffset();
        int l4Length = ip.payloadLength();
        if (protocol == Ipv4Packet.PROTO_UDP && buffer.getU16(l4Offset + 6) == 0) {
            return true;
        }
        long sum = 0;
        int source = ip.source();
        int destination = ip.destination();
        sum += (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF);
        sum += protocol + l4Length;
        sum += sumWords(buffer, l4Offset, l4Length);
        return fold(sum) == 0xFFFF;
    }

    static long sumWords(PacketBuffer buffer, int offset, int length) {
        // Eight bytes a read, each read's halves added apart: a 64-bit sum of 32-bit parts cannot
        // overflow for any frame. The tail (0..7 bytes) is one more read of the last eight bytes
        // of the segment, its already summed leading bytes shifted out; a segment shorter than
        // eight bytes goes by 16-bit words.
        long sum = 0;
        int end = offset + length;
        int i = offset;
        for (; i + 8 <= end; i += 8) {
            long word = buffer.getLong(i);
            sum += (word >>> 32) + (word & 0xFFFF_FFFFL);
        }
        int tail = end - i;
        if (tail == 0) {
            return sum;
        }
        if (length >= 8) {
            long word = buffer.getLong(end - 8) << ((8 - tail) * 8);
            return sum + (word >>> 32) + (word & 0xFFFF_FFFFL);
        }
        for (; i + 2 <= end; i += 2) {
            sum += buffer.getU16(i);
        }
        if (i < end) {
            sum += buffer.getU8(i) << 8;
        }
        return sum;
    }

    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
