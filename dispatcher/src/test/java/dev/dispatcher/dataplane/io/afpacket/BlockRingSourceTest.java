package dev.dispatcher.dataplane.io.afpacket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.testing.Frames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The TPACKET_V3 block walk without a kernel: the test plays the kernel's part as
 * net/packet/af_packet.c does (prb_open_block, prb_fill_curr_block, prb_close_block): frames
 * packed from offset_to_first_pkt, each tpacket3_hdr's tp_next_offset pointing at the next and 0
 * on the last, num_pkts, then block_status TP_STATUS_USER written last.
 */
class BlockRingSourceTest {
    /** TPACKET_ALIGN(TPACKET3_HDRLEN + 16) - 14: where tpacket_rcv puts the Ethernet header. */
    private static final int MAC_OFFSET = 82;
    /** BLK_PLUS_PRIV(0): the block descriptor rounded up to 8. */
    private static final int FIRST_FRAME = 48;
    private final RingGeometry geometry = RingGeometry.forBytes(4 * (128 << 10), 2048);
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment ring = arena.allocate(geometry.byteSize(), 16);
    private final AfPacketBackend.RingSource source = new AfPacketBackend.BlockRingSource(null, ring, geometry, 10, 0);
    private int kernelBlock;

    @AfterEach
    void freeRing() {
        arena.close();
    }

    record Seen(byte[] bytes, int wireLength, boolean inRing) {
    }

    /** One frame as the kernel would store it: captured bytes, wire length, per-frame status bits. */
    record Kframe(byte[] captured, int wireLength, int status, int vlanTci, int vlanTpid) {
        static Kframe of(byte[] bytes) {
            return new Kframe(bytes, bytes.length, 0, 0, 0);
        }
    }

    @Test
    void theFramesOfABlockAreHandedOverInPlaceInOrderAndTheBlockGoesBackAfterTheLast() {
        byte[] a = tcp(-1, 0);
        byte[] b = tcp(-1, 700);
        byte[] c = tcp(-1, 1400);
        publishBlock(Kframe.of(a), Kframe.of(b), Kframe.of(c));
        List<Seen> seen = pollAll(64);
        assertEquals(3, seen.size());
        assertArrayEquals(a, seen.get(0).bytes());
        assertArrayEquals(b, seen.get(1).bytes());
        assertArrayEquals(c, seen.get(2).bytes());
        assertEquals(c.length, seen.get(2).wireLength());
        assertTrue(seen.get(1).inRing(), "wraps the frame inside the block, no copy");
        assertEquals(Native.TP_STATUS_KERNEL, blockStatus(0), "the block went back to the kernel");
        assertEquals(0, pollAll(64).size(), "nothing more until the kernel closes the next block");
    }

    @Test
    void aPollThatStopsAtMaxFramesKeepsTheBlockAndItsPlace() {
        byte[][] frames = new byte[5][];
        Kframe[] k = new Kframe[5];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = tcp(-1, i * 10);
            k[i] = Kframe.of(frames[i]);
        }
        publishBlock(k);
        List<Seen> first = pollAll(2);
        assertEquals(2, first.size());
        assertEquals(Native.TP_STATUS_USER, blockStatus(0) & Native.TP_STATUS_USER, "still ours: 3 frames left in it");
        List<Seen> second = pollAll(2);
        List<Seen> third = pollAll(64);
        assertEquals(2, second.size());
        assertEquals(1, third.size());
        assertArrayEquals(frames[2], second.get(0).bytes());
        assertArrayEquals(frames[4], third.get(0).bytes());
        assertEquals(Native.TP_STATUS_KERNEL, blockStatus(0));
    }

    @Test
    void walksAroundTheRingOfBlocksAcrossPolls() {
        int total = 0;
        int expected = 0;
        for (int round = 0; round < 3; round++) {
            for (int b = 0; b < geometry.blockCount(); b++) {
                int n = 1 + (b + round) % 4;
                Kframe[] k = new Kframe[n];
                for (int i = 0; i < n; i++) {
                    k[i] = Kframe.of(tcp(-1, 30 * i + b));
                }
                publishBlock(k);
                expected += n;
            }
            total += pollAll(3).size();
            int got;
            while ((got = pollAll(5).size()) > 0) {
                total += got;
            }
        }
        assertEquals(expected, total);
    }

    @Test
    void aBlockClosedEmptyByTheRetireTimerIsGivenBackAndSkipped() {
        publishBlock();
        byte[] f = tcp(-1, 5);
        publishBlock(Kframe.of(f));
        List<Seen> seen = pollAll(64);
        assertEquals(1, seen.size());
        assertArrayEquals(f, seen.get(0).bytes());
        assertEquals(Native.TP_STATUS_KERNEL, blockStatus(0));
        assertEquals(Native.TP_STATUS_KERNEL, blockStatus(1));
    }

    @Test
    void truncatedAndChecksumNotReadyFramesAreCountedAndPassedOn() {
        byte[] big = tcp(-1, 1400);
        byte[] cut = Arrays.copyOf(big, 200);
        byte[] partial = tcp(-1, 10);
        publishBlock(new Kframe(cut, big.length, 0, 0, 0), new Kframe(partial, partial.length,
                Native.TP_STATUS_CSUMNOTREADY, 0, 0));
        List<Seen> seen = pollAll(64);
        assertArrayEquals(cut, seen.get(0).bytes());
        assertEquals(big.length, seen.get(0).wireLength(), "wire length > captured: the forwarder's capture_truncated");
        assertArrayEquals(partial, seen.get(1).bytes());
        assertEquals(1, source.truncatedFrames());
        assertEquals(1, source.checksumNotReadyFrames());
    }

    @Test
    void vlanTagsTheKernelTookOutArePutBackWithTheirTpid() {
        byte[] tagged = tcp(7, 30);
        byte[] ad = tcp(9, 30);
        ad[12] = (byte) 0x88;
        ad[13] = (byte) 0xA8;
        int vlan = Native.TP_STATUS_VLAN_VALID | Native.TP_STATUS_VLAN_TPID_VALID;
        publishBlock(new Kframe(strip(tagged), tagged.length - 4, vlan, 7, 0x8100),
                new Kframe(strip(ad), ad.length - 4, vlan, 9, 0x88A8));
        List<Seen> seen = pollAll(64);
        assertArrayEquals(tagged, seen.get(0).bytes(), "the frame as it was on the wire");
        assertEquals(tagged.length, seen.get(0).wireLength());
        assertArrayEquals(ad, seen.get(1).bytes(), "802.1ad keeps its TPID");
        assertEquals(2, source.vlanTagsRestored());
    }

    /** What the kernel does to fill and close one block; the block status is written last. */
    private void publishBlock(Kframe... frames) {
        long block = (long) kernelBlock * geometry.blockSize();
        kernelBlock = (kernelBlock + 1) % geometry.blockCount();
        assertEquals(Native.TP_STATUS_KERNEL, blockStatus(block), "block free");
        ring.set(ValueLayout.JAVA_INT, block, Native.TPACKET_V3);
        ring.set(ValueLayout.JAVA_INT, block + Native.BLOCK_FIRST_PKT, FIRST_FRAME);
        long at = block + FIRST_FRAME;
        for (int i = 0; i < frames.length; i++) {
            Kframe f = frames[i];
            ring.set(ValueLayout.JAVA_INT, at + Native.TP3_SNAPLEN, f.captured().length);
            ring.set(ValueLayout.JAVA_INT, at + Native.TP3_LEN, f.wireLength());
            ring.set(ValueLayout.JAVA_INT, at + Native.TP3_STATUS, f.status());
            ring.set(ValueLayout.JAVA_SHORT, at + Native.TP3_MAC, (short) MAC_OFFSET);
            ring.set(ValueLayout.JAVA_INT, at + Native.TP3_VLAN_TCI, f.vlanTci());
            ring.set(ValueLayout.JAVA_SHORT, at + Native.TP3_VLAN_TPID, (short) f.vlanTpid());
            MemorySegment.copy(f.captured(), 0, ring, ValueLayout.JAVA_BYTE, at + MAC_OFFSET, f.captured().length);
            int next = i == frames.length - 1 ? 0 : (int) Native.align(MAC_OFFSET + f.captured().length);
            ring.set(ValueLayout.JAVA_INT, at + Native.TP3_NEXT_OFFSET, next);
            at += next;
        }
        ring.set(ValueLayout.JAVA_INT, block + Native.BLOCK_NUM_PKTS, frames.length);
        int closedBy = frames.length == 0 ? Native.TP_STATUS_BLK_TMO : 0;
        Native.STATUS.setRelease(ring, block + Native.BLOCK_STATUS, Native.TP_STATUS_USER | closedBy);
    }

    private int blockStatus(int index) {
        return blockStatus((long) index * geometry.blockSize());
    }

    private int blockStatus(long block) {
        return ring.get(ValueLayout.JAVA_INT, block + Native.BLOCK_STATUS);
    }

    private List<Seen> pollAll(int max) {
        List<Seen> seen = new ArrayList<>();
        int n = source.poll((frame, wireLength, now) -> {
            boolean inRing = frame.segment() == ring;
            seen.add(new Seen(frame.toByteArray(), wireLength, inRing));
        }, max);
        assertEquals(n, seen.size());
        return seen;
    }

    private static byte[] strip(byte[] tagged) {
        byte[] stripped = new byte[tagged.length - 4];
        System.arraycopy(tagged, 0, stripped, 0, 12);
        System.arraycopy(tagged, 16, stripped, 12, tagged.length - 16);
        return stripped;
    }

    private static byte[] tcp(int vlan, int payload) {
        Frames.Tcp t = new Frames.Tcp();
        t.vlan = vlan;
        t.payload = new byte[payload];
        return t.build();
    }
}
