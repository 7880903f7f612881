package dev.dispatcher.dataplane.io.afpacket;

/**
 * The shape of one ring (struct tpacket_req, or the block part of tpacket_req3 for a TPACKET_V3
 * RX ring) and where each frame slot lies in it. Frames
 * never cross a block; a block is a power of two of pages because the kernel allocates it as one
 * (get_order) and would waste the rest.
 *
 * @param blockSize  bytes per block, a power of two and a multiple of the page size
 * @param blockCount blocks in the ring
 * @param frameSize  bytes per frame slot (header, padding, data), a multiple of 16
 * @param frameCount frames in the ring: exactly blockCount * (blockSize / frameSize)
 */
record RingGeometry(int blockSize, int blockCount, int frameSize, int frameCount) {
    static final int PAGE_SIZE = 4096;
    private static final int MIN_BLOCK_SIZE = 128 << 10;
    /**
     * Where the kernel puts the Ethernet header of a received frame for SOCK_RAW (tpacket_rcv):
     * TPACKET_ALIGN(TPACKET2_HDRLEN + 16) = 80 for the network header, minus 14 for Ethernet.
     * 80 + snaplen per slot holds a whole snaplen-sized frame with room to spare.
     */
    static final int RX_HEADROOM = (int) Native.align(Native.TPACKET2_HDRLEN + 16);

    /** A ring of about {@code bytes} (at least one block) whose slots each hold {@code snaplen} bytes of frame. */
    static RingGeometry forBytes(long bytes, int snaplen) {
        int frameSize = (int) Native.align(RX_HEADROOM + (long) snaplen);
        int blockSize = Math.max(MIN_BLOCK_SIZE, Integer.highestOneBit(frameSize - 1) << 1);
        int perBlock = blockSize / frameSize;
        int blocks = (int) Math.max(1, (bytes + blockSize - 1) / blockSize);
        return new RingGeometry(blockSize, blocks, frameSize, blocks * perBlock);
    }

    /** A ring with at least {@code frames} slots of {@code snaplen} bytes. */
    static RingGeometry forFrames(int frames, int snaplen) {
        RingGeometry one = forBytes(1, snaplen);
        int perBlock = one.blockSize / one.frameSize;
        int blocks = (frames + perBlock - 1) / perBlock;
        return new RingGeometry(one.blockSize, blocks, one.frameSize, blocks * perBlock);
    }

    RingGeometry {
        if (blockSize % PAGE_SIZE != 0 || Integer.bitCount(blockSize) != 1 || frameSize % Native.TPACKET_ALIGNMENT != 0
                || frameSize > blockSize || frameCount != blockCount * (blockSize / frameSize)) {
            throw new IllegalArgumentException("bad ring geometry " + blockSize + "/" + blockCount + "/" + frameSize
                    + "/" + frameCount);
        }
    }

    long byteSize() {
        return (long) blockSize * blockCount;
    }

    /** Offset of frame {@code index} from the start of the ring. */
    long frameOffset(int index) {
        int perBlock = blockSize / frameSize;
        return (long) (index / perBlock) * blockSize + (long) (index % perBlock) * frameSize;
    }

    /** All frame offsets, computed once so that the hot path only indexes an array. */
    long[] frameOffsets(long ringOffset) {
        long[] offsets = new long[frameCount];
        for (int i = 0; i < frameCount; i++) {
            offsets[i] = ringOffset + frameOffset(i);
        }
        return offsets;
    }
}
