package dev.dispatcher.dataplane.io.afpacket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.testing.AllocationMeter;
import dev.dispatcher.testing.Frames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Worker 0's source in fanout mode over two rings without a kernel: the test plays the kernel for
 * the member's ring and the ARP socket's ring (as RingSourceTest does for one), and checks the
 * order, the batch limit, that both rings' slots go back and that the counters add up. Waiting on
 * both descriptors in one poll() is the netns tests' part.
 */
class MemberAndArpSourceTest {
    private static final int MAC_OFFSET = 66;
    private final RingGeometry geometry = RingGeometry.forFrames(8, 2048);
    private final Arena arena = Arena.ofConfined();
    private final Ring member = new Ring();
    private final Ring arp = new Ring();
    private final MemberAndArpSource source = new MemberAndArpSource(member.source, arp.source);

    @AfterEach
    void freeRings() {
        arena.close();
    }

    /** One ring with the test as its kernel. */
    private final class Ring {
        final MemorySegment memory = arena.allocate(geometry.byteSize(), 16);
        final AfPacketBackend.RingSource source = new AfPacketBackend.FrameRingSource(null, memory, geometry, 10, 0);
        int kernelNext;

        void publish(byte[] frame, int extraStatus) {
            long slot = geometry.frameOffset(kernelNext);
            kernelNext = (kernelNext + 1) % geometry.frameCount();
            assertEquals(Native.TP_STATUS_KERNEL, memory.get(ValueLayout.JAVA_INT, slot + Native.TP_STATUS),
                    "slot free");
            memory.set(ValueLayout.JAVA_INT, slot + Native.TP_LEN, frame.length);
            memory.set(ValueLayout.JAVA_INT, slot + Native.TP_SNAPLEN, frame.length);
            memory.set(ValueLayout.JAVA_SHORT, slot + Native.TP_MAC, (short) MAC_OFFSET);
            memory.set(ValueLayout.JAVA_SHORT, slot + Native.TP_VLAN_TCI, (short) 0);
            MemorySegment.copy(frame, 0, memory, ValueLayout.JAVA_BYTE, slot + MAC_OFFSET, frame.length);
            Native.STATUS.setRelease(memory, slot, Native.TP_STATUS_USER | extraStatus);
        }

        boolean allSlotsBackWithTheKernel() {
            for (int i = 0; i < geometry.frameCount(); i++) {
                if (memory.get(ValueLayout.JAVA_INT, geometry.frameOffset(i) + Native.TP_STATUS)
                        != Native.TP_STATUS_KERNEL) {
                    return false;
                }
            }
            return true;
        }
    }

    private List<byte[]> poll(int max) {
        List<byte[]> seen = new ArrayList<>();
        int n = source.poll((frame, wireLength, now) -> seen.add(frame.toByteArray()), max);
        assertEquals(n, seen.size(), "poll returns what it delivered");
        return seen;
    }

    private static byte[] arpRequest(int host) {
        return Frames.arp(true, "02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01", "198.18.0.1",
                "00:00:00:00:00:00", "198.18.0." + host, -1);
    }

    private static byte[] udp(int port) {
        return Frames.udp("02:00:00:00:00:01", "02:00:00:00:00:02", "198.18.0.1", "198.18.0.100", port, 53,
                new byte[8]);
    }

    @Test
    void arpComesFirstThenTheMembersFramesInOneBatch() {
        member.publish(udp(1000), 0);
        member.publish(udp(1001), 0);
        arp.publish(arpRequest(100), 0);
        List<byte[]> seen = poll(64);
        assertEquals(3, seen.size());
        assertArrayEquals(arpRequest(100), seen.get(0), "the ARP ring is read first: it never waits");
        assertArrayEquals(udp(1000), seen.get(1));
        assertArrayEquals(udp(1001), seen.get(2));
        assertEquals(true, member.allSlotsBackWithTheKernel());
        assertEquals(true, arp.allSlotsBackWithTheKernel());
        assertEquals(0, poll(64).size(), "both rings empty: nothing, and no wait without a socket");
    }

    @Test
    void onlyArpOrOnlyMemberFramesArriveToo() {
        arp.publish(arpRequest(100), 0);
        assertArrayEquals(arpRequest(100), poll(64).getFirst());
        member.publish(udp(1000), 0);
        assertArrayEquals(udp(1000), poll(64).getFirst());
    }

    @Test
    void theBatchLimitCoversBothRings() {
        for (int i = 0; i < 3; i++) {
            arp.publish(arpRequest(100 + i), 0);
        }
        for (int i = 0; i < 4; i++) {
            member.publish(udp(1000 + i), 0);
        }
        List<byte[]> first = poll(2);
        assertEquals(2, first.size(), "at most maxFrames, all ARP");
        assertArrayEquals(arpRequest(101), first.get(1));
        List<byte[]> second = poll(2);
        assertArrayEquals(arpRequest(102), second.get(0), "the rest of ARP, then the member fills the batch");
        assertArrayEquals(udp(1000), second.get(1));
        assertEquals(3, poll(64).size());
        assertEquals(true, member.allSlotsBackWithTheKernel());
    }

    @Test
    void pollingBothRingsAllocatesNothingAfterWarmUp() {
        byte[] request = arpRequest(100);
        byte[] datagram = udp(1000);
        long[] seen = {0};
        FrameHandler count = (frame, wireLength, now) -> seen[0] += frame.getU8(12) + wireLength;
        Runnable round = () -> {
            arp.publish(request, 0);
            for (int i = 0; i < 6; i++) {
                member.publish(datagram, 0);
            }
            int n = 0;
            while (n < 7) {
                n += source.poll(count, 4);
            }
            source.poll(count, 4); // both rings empty
        };
        for (int i = 0; i < 200; i++) {
            round.run();
        }
        AllocationMeter.Result r = AllocationMeter.cleanRounds(round, 10, 100);
        assertEquals(10, r.cleanInARow(),
                "rounds without allocation (last dirty round: " + r.lastDirtyBytes() + " bytes)");
    }

    @Test
    void countersAreSummedOverBothRings() {
        arp.publish(arpRequest(100), Native.TP_STATUS_CSUMNOTREADY);
        member.publish(udp(1000), Native.TP_STATUS_CSUMNOTREADY);
        member.publish(udp(1001), 0);
        assertEquals(3, poll(64).size());
        assertEquals(2, source.checksumNotReadyFrames());
        assertEquals(0, source.kernelDrops(), "no sockets here: nothing dropped by a kernel");
        assertEquals(0, source.truncatedFrames());
    }
}
