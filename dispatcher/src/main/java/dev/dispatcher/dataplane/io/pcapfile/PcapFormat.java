package dev.dispatcher.dataplane.io.pcapfile;

/**
 * The classic pcap file format (draft-ietf-opsawg-pcap, sections 4 and 5; libpcap's
 * {@code sf-pcap.c}): a file header, then records, each a 16-byte header and the captured bytes.
 * Every field is in the writer's byte order, which the magic number reveals.
 */
final class PcapFormat {
    static final int FILE_HEADER_BYTES = 24;
    static final int RECORD_HEADER_BYTES = 16;
    static final int MAGIC_MICROS = 0xA1B2C3D4;
    static final int MAGIC_NANOS = 0xA1B23C4D;
    /** pcapng's section header block type: the same in both byte orders. */
    static final int PCAPNG_BLOCK = 0x0A0D0D0A;
    static final int VERSION_MAJOR = 2;
    static final int VERSION_MINOR = 4;
    static final int LINKTYPE_ETHERNET = 1;
    /**
     * libpcap's MAXIMUM_SNAPLEN: no capture tool keeps more of a frame, and libpcap and Wireshark
     * refuse a record that claims more, as a damaged header.
     */
    static final int MAX_RECORD_BYTES = 262_144;
    /** The snaplen we write: the most the dispatcher ever captures of a frame (io.snaplen's maximum). */
    static final int WRITTEN_SNAPLEN = 65_535;

    private PcapFormat() {
    }

    /** What a capture of a non-Ethernet link type most likely is, to say how to get an Ethernet one. */
    static String linkTypeName(long type) {
        return switch ((int) type) {
            case 0 -> "BSD loopback: from `tcpdump -i lo`?";
            case 101 -> "raw IP";
            case 105 -> "IEEE 802.11";
            case 113 -> "Linux cooked capture: from `tcpdump -i any`?";
            case 127 -> "IEEE 802.11 with radiotap";
            case 276 -> "Linux cooked capture v2: from `tcpdump -i any`?";
            default -> "not Ethernet";
        };
    }
}
