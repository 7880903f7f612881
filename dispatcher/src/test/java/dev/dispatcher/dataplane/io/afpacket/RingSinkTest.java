package dev.dispatcher.dataplane.io.afpacket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.packet.PacketBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The TX ring fill without a kernel: each send copies the frame to TPACKET2_HDRLEN - sizeof(sockaddr_ll)
 * = 32 bytes into the next free slot, sets tp_len and then TP_STATUS_SEND_REQUEST (what
 * tpacket_snd reads), and a full ring refuses frames instead of overwriting ones in flight.
 */
class RingSinkTest {
    private final RingGeometry geometry = RingGeometry.forFrames(4, 2048);
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment ring = arena.allocate(geometry.byteSize() + 4096, 16);
    private final long ringOffset = 4096;
    private final AfPacketBackend.RingSink sink = new AfPacketBackend.RingSink(null, ring, geometry, ringOffset,
            TpacketVersion.V2);

    @AfterEach
    void freeRing() {
        arena.close();
    }

    @Test
    void sendFillsTheNextSlotAndMarksItForTheKernel() {
        byte[] frame = new byte[100];
        for (int i = 0; i < frame.length; i++) {
            frame[i] = (byte) (i * 7);
        }
        PacketBuffer buffer = new PacketBuffer().wrap(MemorySegment.ofArray(new byte[300]), 50, 100);
        buffer.copyFrom(PacketBuffer.ofArray(frame));
        assertTrue(sink.send(buffer));
        long slot = ringOffset + geometry.frameOffset(0);
        assertEquals(Native.TP_STATUS_SEND_REQUEST, ring.get(ValueLayout.JAVA_INT, slot + Native.TP_STATUS));
        assertEquals(100, ring.get(ValueLayout.JAVA_INT, slot + Native.TP_LEN));
        byte[] written = new byte[100];
        MemorySegment.copy(ring, ValueLayout.JAVA_BYTE, slot + 32, written, 0, 100);
        assertArrayEquals(frame, written);
        assertEquals(32, Native.TX_DATA_OFFSET);
    }

    @Test
    void aFullRingRefusesAndAFreedSlotIsUsedAgainInOrder() {
        PacketBuffer frame = PacketBuffer.ofArray(new byte[60]);
        for (int i = 0; i < geometry.frameCount(); i++) {
            assertTrue(sink.send(frame), "slot " + i);
        }
        assertFalse(sink.send(frame), "every slot still waits for the kernel");
        long first = ringOffset + geometry.frameOffset(0);
        ring.set(ValueLayout.JAVA_INT, first + Native.TP_STATUS, Native.TP_STATUS_AVAILABLE); // the kernel sent it
        assertTrue(sink.send(frame), "the next slot in order is free again");
        assertFalse(sink.send(frame));
        sink.flush();
    }

    @Test
    void aFrameLargerThanASlotIsRefused() {
        int capacity = geometry.frameSize() - Native.TX_DATA_OFFSET;
        assertTrue(sink.send(PacketBuffer.ofArray(new byte[capacity])));
        assertFalse(sink.send(PacketBuffer.ofArray(new byte[capacity + 1])));
    }

    @Test
    void withTpacketV3TheSlotHasTheTpacket3HeaderAndDataAt48() {
        AfPacketBackend.RingSink v3 = new AfPacketBackend.RingSink(null, ring, geometry, ringOffset, TpacketVersion.V3);
        byte[] frame = new byte[80];
        Arrays.fill(frame, (byte) 0x5A);
        assertTrue(v3.send(PacketBuffer.ofArray(frame)));
        long slot = ringOffset + geometry.frameOffset(0);
        assertEquals(Native.TP_STATUS_SEND_REQUEST, ring.get(ValueLayout.JAVA_INT, slot + 20),
                "tpacket3_hdr.tp_status");
        assertEquals(80, ring.get(ValueLayout.JAVA_INT, slot + 16), "tpacket3_hdr.tp_len");
        assertEquals(0, ring.get(ValueLayout.JAVA_INT, slot),
                "tp_next_offset 0: the kernel refuses anything else on TX");
        byte[] written = new byte[80];
        MemorySegment.copy(ring, ValueLayout.JAVA_BYTE, slot + 48, written, 0, 80);
        assertArrayEquals(frame, written);
        assertFalse(v3.send(PacketBuffer.ofArray(new byte[geometry.frameSize() - 47])),
                "capacity is the slot minus 48");
    }
}
