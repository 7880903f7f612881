package dev.dispatcher.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.testing.Frames;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The checksum reads eight bytes at a time and finishes with one overlapping read; every length
 * and start offset must give the RFC 1071 sum of 16-bit words (odd byte padded with zero).
 */
class InternetChecksumTest {
    private static int referenceFolded(byte[] bytes, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int high = bytes[offset + i] & 0xFF;
            int low = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        return InternetChecksum.fold(sum);
    }

    @Test
    void everyLengthAndOffsetSumsLikeTheWordByWordDefinition() {
        Random random = new Random(5);
        byte[] bytes = new byte[200];
        for (int round = 0; round < 20; round++) {
            random.nextBytes(bytes);
            if (round == 0) {
                Arrays.fill(bytes, (byte) 0xFF);
            }
            PacketBuffer buffer = PacketBuffer.ofArray(bytes);
            for (int offset = 0; offset < 12; offset++) {
                for (int length = 0; length <= 120; length++) {
                    assertEquals(referenceFolded(bytes, offset, length),
                            InternetChecksum.fold(InternetChecksum.sumWords(buffer, offset, length)),
                            "offset " + offset + " length " + length);
                }
            }
        }
    }

    @Test
    void framesBuiltByPcap4jCheckOutAndOneFlippedBitDoesNot() {
        Ipv4Packet ip = new Ipv4Packet();
        EthernetFrame eth = new EthernetFrame();
        for (int payload = 0; payload <= 40; payload++) {
            byte[] data = new byte[payload];
            new Random(payload).nextBytes(data);
            Frames.Tcp tcp = new Frames.Tcp().ack();
            tcp.payload = data;
            byte[] udp = Frames.udp(Frames.CLIENT_MAC, Frames.DISPATCHER_MAC, "198.18.0.1", "198.18.0.100", 1111,
                    53, data);
            for (byte[] frame : new byte[][] {tcp.build(), udp}) {
                PacketBuffer buffer = PacketBuffer.ofArray(frame);
                eth.wrap(buffer);
                assertEquals(Ipv4Packet.OK, ip.wrap(buffer, eth.payloadOffset()));
                assertTrue(InternetChecksum.l4ChecksumValid(buffer, ip), "payload " + payload);
                frame[ip.payloadOffset() + ip.payloadLength() - 1] ^= 0x10;
                assertFalse(InternetChecksum.l4ChecksumValid(buffer, ip), "flipped, payload " + payload);
            }
        }
    }
}
