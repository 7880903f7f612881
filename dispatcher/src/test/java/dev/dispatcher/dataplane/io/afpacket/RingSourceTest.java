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
 * The RX ring walk without a kernel: the test plays the kernel's part, writing tpacket2_hdr
 * headers and frames into off-heap memory shaped like a ring, as tpacket_rcv does (frame at
 * tp_mac, outer VLAN tag moved into tp_vlan_tci, tp_snaplen below tp_len when cut short).
 */
class RingSourceTest {
    private static final int MAC_OFFSET = 66;
    private final RingGeometry geometry = RingGeometry.forFrames(8, 2048);
    // Shared: the busy-poll tests publish from a second thread, as the kernel does.
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ring = arena.allocate(geometry.byteSize(), 16);
    private final AfPacketBackend.RingSource source = new AfPacketBackend.FrameRingSource(null, ring, geometry, 10, 0);
    private int kernelNext;

    @AfterEach
    void freeRing() {
        arena.close();
    }

    record Seen(byte[] bytes, int wireLength, boolean inRing) {
    }

    @Test
    void framesAreHandedOverInPlaceInOrderAndSlotsGoBackToTheKernel() {
        byte[] a = tcp(-1, 0);
        byte[] b = tcp(-1, 500);
        publish(a, a.length, 0);
        publish(b, b.length, 0);
        List<Seen> seen = pollAll(64);
        assertEquals(2, seen.size());
        assertArrayEquals(a, seen.get(0).bytes());
        assertArrayEquals(b, seen.get(1).bytes());
        assertEquals(a.length, seen.get(0).wireLength());
        assertEquals(true, seen.get(0).inRing(), "wraps the ring slot, no copy");
        assertEquals(Native.TP_STATUS_KERNEL, status(0));
        assertEquals(Native.TP_STATUS_KERNEL, status(1));
        assertEquals(0, pollAll(64).size(), "nothing more until the kernel publishes");
    }

    @Test
    void walksAroundTheRingAndStopsAtMaxFrames() {
        int total = 0;
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < geometry.frameCount(); i++) {
                byte[] f = tcp(-1, i);
                publish(f, f.length, 0);
            }
            List<Seen> first = pollAll(3);
            assertEquals(3, first.size(), "at most maxFrames per poll");
            total += first.size() + pollAll(64).size();
        }
        assertEquals(5 * geometry.frameCount(), total);
    }

    @Test
    void aFrameCutShortArrivesWithItsWireLengthAndIsCounted() {
        byte[] f = tcp(-1, 1400);
        byte[] captured = Arrays.copyOf(f, 200);
        publish(captured, f.length, 0);
        List<Seen> seen = pollAll(64);
        assertArrayEquals(captured, seen.get(0).bytes());
        assertEquals(f.length, seen.get(0).wireLength(), "wire length > captured: the forwarder's capture_truncated");
        assertEquals(1, source.truncatedFrames());
    }

    @Test
    void checksumNotReadyFramesPassAsTheyAreAndAreCounted() {
        byte[] f = tcp(-1, 10);
        publish(f, f.length, Native.TP_STATUS_CSUMNOTREADY);
        List<Seen> seen = pollAll(64);
        assertArrayEquals(f, seen.get(0).bytes());
        assertEquals(1, source.checksumNotReadyFrames());
    }

    @Test
    void aVlanTagTheKernelTookOutIsPutBack() {
        byte[] tagged = tcp(7, 30);
        byte[] stripped = new byte[tagged.length - 4];
        System.arraycopy(tagged, 0, stripped, 0, 12);
        System.arraycopy(tagged, 16, stripped, 12, tagged.length - 16);
        long slot = publish(stripped, stripped.length, Native.TP_STATUS_VLAN_VALID);
        ring.set(ValueLayout.JAVA_SHORT, slot + Native.TP_VLAN_TCI, (short) 7);
        List<Seen> seen = pollAll(64);
        assertArrayEquals(tagged, seen.get(0).bytes(), "the frame as it was on the wire");
        assertEquals(tagged.length, seen.get(0).wireLength());
        assertEquals(1, source.vlanTagsRestored());
    }

    @Test
    void an8021adTagKeepsItsTpid() {
        byte[] tagged = tcp(7, 30);
        tagged[12] = (byte) 0x88;
        tagged[13] = (byte) 0xA8;
        byte[] stripped = new byte[tagged.length - 4];
        System.arraycopy(tagged, 0, stripped, 0, 12);
        System.arraycopy(tagged, 16, stripped, 12, tagged.length - 16);
        long slot = publish(stripped, stripped.length, Native.TP_STATUS_VLAN_VALID | Native.TP_STATUS_VLAN_TPID_VALID);
        ring.set(ValueLayout.JAVA_SHORT, slot + Native.TP_VLAN_TCI, (short) 7);
        ring.set(ValueLayout.JAVA_SHORT, slot + Native.TP_VLAN_TPID, (short) 0x88A8);
        assertArrayEquals(tagged, pollAll(64).get(0).bytes());
    }

    @Test
    void busyPollingCatchesAFrameThatArrivesSoonAfterTheLastOne() throws Exception {
        // Without a socket an empty ring is never slept on: only the spin can see the second frame.
        var spinning = new AfPacketBackend.FrameRingSource(null, ring, geometry, 5_000, 10_000_000_000L);
        byte[] a = tcp(-1, 0);
        byte[] b = tcp(-1, 100);
        publish(a, a.length, 0);
        assertEquals(1, spinning.poll((frame, wireLength, now) -> { }, 64));
        Thread kernel = Thread.ofPlatform().start(() -> {
            sleep(30);
            publish(b, b.length, 0);
        });
        List<byte[]> seen = new ArrayList<>();
        int n = spinning.poll((frame, wireLength, now) -> seen.add(frame.toByteArray()), 64);
        kernel.join();
        assertEquals(1, n, "the spin saw the frame published after the poll began");
        assertArrayEquals(b, seen.getFirst());
    }

    @Test
    void busyPollingStopsOnceTheLinkHasBeenQuietForLongerThanTheWindow() {
        // Wrongly spinning for the window from the start of every poll would take 300 ms here;
        // a poll that does not spin returns at once (no socket to sleep on). 150 ms is the margin.
        var spinning = new AfPacketBackend.FrameRingSource(null, ring, geometry, 5_000, 300_000_000L);
        assertTrue(elapsedMillis(() -> assertEquals(0, spinning.poll((frame, wireLength, now) -> { }, 64))) < 150,
                "no spin before any traffic");
        byte[] a = tcp(-1, 0);
        publish(a, a.length, 0);
        assertEquals(1, spinning.poll((frame, wireLength, now) -> { }, 64));
        sleep(400);
        assertTrue(elapsedMillis(() -> assertEquals(0, spinning.poll((frame, wireLength, now) -> { }, 64))) < 150,
                "quiet for 400 ms > 300 ms: no spin");
    }

    @Test
    void oneSpinLastsAtMostOnePollTimeout() {
        // busy-poll above poll-timeout: the loop must still get control back for its timers.
        var spinning = new AfPacketBackend.FrameRingSource(null, ring, geometry, 50, 60_000_000_000L);
        byte[] a = tcp(-1, 0);
        publish(a, a.length, 0);
        assertEquals(1, spinning.poll((frame, wireLength, now) -> { }, 64));
        long took = elapsedMillis(() -> assertEquals(0, spinning.poll((frame, wireLength, now) -> { }, 64)));
        assertTrue(took >= 40 && took < 30_000, "spun for one poll timeout (50 ms), not the 60 s window: " + took);
    }

    private static long elapsedMillis(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What tpacket_rcv does: header fields, frame bytes at tp_mac, then the status word last. */
    private long publish(byte[] captured, int wireLength, int extraStatus) {
        long slot = geometry.frameOffset(kernelNext);
        kernelNext = (kernelNext + 1) % geometry.frameCount();
        assertEquals(Native.TP_STATUS_KERNEL, ring.get(ValueLayout.JAVA_INT, slot + Native.TP_STATUS), "slot free");
        ring.set(ValueLayout.JAVA_INT, slot + Native.TP_LEN, wireLength);
        ring.set(ValueLayout.JAVA_INT, slot + Native.TP_SNAPLEN, captured.length);
        ring.set(ValueLayout.JAVA_SHORT, slot + Native.TP_MAC, (short) MAC_OFFSET);
        ring.set(ValueLayout.JAVA_SHORT, slot + Native.TP_VLAN_TCI, (short) 0);
        MemorySegment.copy(captured, 0, ring, ValueLayout.JAVA_BYTE, slot + MAC_OFFSET, captured.length);
        Native.STATUS.setRelease(ring, slot, Native.TP_STATUS_USER | extraStatus);
        return slot;
    }

    private int status(int index) {
        return ring.get(ValueLayout.JAVA_INT, geometry.frameOffset(index) + Native.TP_STATUS);
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

    private static byte[] tcp(int vlan, int payload) {
        Frames.Tcp t = new Frames.Tcp();
        t.vlan = vlan;
        t.payload = new byte[payload];
        return t.build();
    }
}
