package dev.dispatcher.dataplane.io.afpacket;

/**
 * The ring format of a socket (PACKET_VERSION). The RX side differs in kind: {@link #V2} hands over
 * one frame slot at a time, each with its own status word, so a frame is readable as soon as the
 * kernel has written it; {@link #V3} hands over whole blocks of variable-sized frames, each block
 * released when it is full or when its retire timeout runs out, so there are fewer wake-ups under
 * load and up to that timeout of added latency at low rates (docs/PACKET-IO.md, receiving: 1 ms
 * gave 0.6 ms median against 10-50 us for V2). The TX side is a ring of fixed frame slots in both;
 * only the header layout (where the status, the length and the data are) differs.
 */
public enum TpacketVersion {
    /** TPACKET_V2: per-frame RX slots; tpacket2_hdr on both rings. */
    V2(Native.TPACKET_V2, Native.TP_STATUS, Native.TP_LEN, Native.TX_DATA_OFFSET),
    /** TPACKET_V3: RX in blocks walked by tp_next_offset; tpacket3_hdr on both rings. */
    V3(Native.TPACKET_V3, Native.TP3_STATUS, Native.TP3_LEN, Native.TX3_DATA_OFFSET);

    final int kernelValue;
    /** TX slot: where the status word and tp_len are, and where the frame's bytes start. */
    final long txStatusOffset;
    final long txLengthOffset;
    final int txDataOffset;

    TpacketVersion(int kernelValue, long txStatusOffset, long txLengthOffset, int txDataOffset) {
        this.kernelValue = kernelValue;
        this.txStatusOffset = txStatusOffset;
        this.txLengthOffset = txLengthOffset;
        this.txDataOffset = txDataOffset;
    }
}
