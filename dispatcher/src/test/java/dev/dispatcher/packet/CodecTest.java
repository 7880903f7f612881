package dev.dispatcher.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.testing.Frames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The flyweights against frames built by pcap4j, over heap and off-heap memory alike. */
class CodecTest {
    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final UdpDatagram udp = new UdpDatagram();
    private final ArpPacket arp = new ArpPacket();

    @Test
    void readsTcpOverHeapAndOffHeap() {
        Frames.Tcp spec = new Frames.Tcp().srcPort(40123);
        spec.ipOptionWords = 2;
        byte[] frame = spec.build();
        assertTcp(PacketBuffer.ofArray(frame));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(4096);
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, ring, 100, frame.length);
            assertTcp(new PacketBuffer().wrap(ring, 100, frame.length));
        }
    }

    private void assertTcp(PacketBuffer buffer) {
        assertEquals(EthernetFrame.OK, eth.wrap(buffer));
        assertEquals(0x020000000001L, eth.source());
        assertEquals(0x020000000002L, eth.destination());
        assertEquals(EthernetFrame.TYPE_IPV4, eth.etherType());
        assertEquals(0, eth.vlanTags());
        assertEquals(Ipv4Packet.OK, ip.wrap(buffer, eth.payloadOffset()));
        assertEquals(28, ip.headerLength(), "IHL with two option words");
        assertEquals(0xC6120001, ip.source());
        assertEquals(0xC6120064, ip.destination());
        assertEquals(Ipv4Packet.PROTO_TCP, ip.protocol());
        assertEquals(64, ip.ttl());
        assertFalse(ip.isFragment());
        assertEquals(TcpSegment.OK, tcp.wrap(buffer, ip.payloadOffset(), ip.payloadLength()));
        assertEquals(40123, tcp.sourcePort());
        assertEquals(80, tcp.destinationPort());
        assertEquals(TcpSegment.SYN, tcp.flags());
        assertTrue(InternetChecksum.l4ChecksumValid(buffer, ip));
    }

    @Test
    void readsVlanTagAndRewritesMacsOnly() {
        Frames.Tcp spec = new Frames.Tcp();
        spec.vlan = 300;
        byte[] frame = spec.build();
        byte[] before = frame.clone();
        PacketBuffer buffer = PacketBuffer.ofArray(frame);
        assertEquals(EthernetFrame.OK, eth.wrap(buffer));
        assertEquals(1, eth.vlanTags());
        assertEquals(300, eth.outerVlanId());
        assertEquals(18, eth.payloadOffset());
        eth.destination(0x0A0B0C0D0E0FL);
        eth.source(0x020000000002L);
        assertEquals(0x0A0B0C0D0E0FL, eth.destination());
        for (int i = 12; i < frame.length; i++) {
            assertEquals(before[i], frame[i], "byte " + i + " unchanged");
        }
        // The forwarder's two-store rewrite: same bytes as the two setters, nothing else touched.
        eth.addresses(0xF1F2F3F4F5F6L, 0x818283848586L);
        assertEquals(0xF1F2F3F4F5F6L, eth.destination());
        assertEquals(0x818283848586L, eth.source());
        assertEquals((byte) 0xF1, frame[0]);
        assertEquals((byte) 0x86, frame[11]);
        for (int i = 12; i < frame.length; i++) {
            assertEquals(before[i], frame[i], "byte " + i + " unchanged by addresses()");
        }
    }

    @Test
    void rejectsMalformedHeaders() {
        assertEquals(EthernetFrame.TRUNCATED, eth.wrap(PacketBuffer.ofArray(new byte[13])));
        byte[] frame = new Frames.Tcp().build();
        PacketBuffer buffer = PacketBuffer.ofArray(frame);
        frame[14] = 0x45;
        buffer.length(14 + 19);
        assertEquals(Ipv4Packet.TRUNCATED, ip.wrap(buffer, 14));
        buffer.length(frame.length);
        frame[14] = 0x43;
        assertEquals(Ipv4Packet.BAD_IHL, ip.wrap(buffer, 14));
        frame[14] = 0x4F;
        assertEquals(Ipv4Packet.BAD_IHL, ip.wrap(buffer, 14), "IHL beyond the frame");
        frame[14] = 0x55;
        assertEquals(Ipv4Packet.BAD_VERSION, ip.wrap(buffer, 14));
        frame[14] = 0x45;
        frame[16] = (byte) 0x7F;
        assertEquals(Ipv4Packet.BAD_TOTAL_LENGTH, ip.wrap(buffer, 14));
        frame[16] = 0;
        frame[17] = 10;
        assertEquals(Ipv4Packet.BAD_TOTAL_LENGTH, ip.wrap(buffer, 14), "total length below IHL");
        byte[] good = new Frames.Tcp().build();
        PacketBuffer g = PacketBuffer.ofArray(good);
        good[14 + 20 + 12] = 0x40;
        assertEquals(TcpSegment.BAD_DATA_OFFSET, tcp.wrap(g, 34, 20));
        assertEquals(TcpSegment.TRUNCATED, tcp.wrap(g, 34, 19));
        byte[] tagged = new byte[16];
        tagged[12] = (byte) 0x81;
        assertEquals(EthernetFrame.TRUNCATED, eth.wrap(PacketBuffer.ofArray(tagged)));
        byte[] triple = new byte[40];
        for (int off = 12; off <= 20; off += 4) {
            triple[off] = (byte) 0x81;
        }
        assertEquals(EthernetFrame.TOO_MANY_TAGS, eth.wrap(PacketBuffer.ofArray(triple)));
    }

    @Test
    void readsUdpAndChecksum() {
        byte[] frame = Frames.udp(Frames.CLIENT_MAC, Frames.DISPATCHER_MAC, "198.18.0.1", "198.18.0.100", 1111, 53,
                new byte[] {9, 8, 7});
        PacketBuffer buffer = PacketBuffer.ofArray(frame);
        eth.wrap(buffer);
        ip.wrap(buffer, eth.payloadOffset());
        assertEquals(UdpDatagram.OK, udp.wrap(buffer, ip.payloadOffset(), ip.payloadLength()));
        assertEquals(1111, udp.sourcePort());
        assertEquals(53, udp.destinationPort());
        assertEquals(11, udp.length());
        assertTrue(InternetChecksum.l4ChecksumValid(buffer, ip), "odd-length payload checksum");
        frame[ip.payloadOffset() + 8] ^= 1;
        assertFalse(InternetChecksum.l4ChecksumValid(buffer, ip));
        frame[ip.payloadOffset() + 4] = 0;
        frame[ip.payloadOffset() + 5] = 4;
        assertEquals(UdpDatagram.BAD_LENGTH, udp.wrap(buffer, ip.payloadOffset(), ip.payloadLength()));
    }

    @Test
    void readsAndWritesArp() {
        byte[] frame = Frames.arp(true, Frames.CLIENT_MAC, "ff:ff:ff:ff:ff:ff", Frames.CLIENT_MAC, "198.18.0.1",
                "00:00:00:00:00:00", "198.18.0.100", -1);
        PacketBuffer buffer = PacketBuffer.ofArray(frame);
        eth.wrap(buffer);
        assertEquals(EthernetFrame.TYPE_ARP, eth.etherType());
        assertEquals(ArpPacket.OK, arp.wrap(buffer, eth.payloadOffset()));
        assertEquals(ArpPacket.OP_REQUEST, arp.operation());
        assertEquals(0x020000000001L, arp.senderMac());
        assertEquals(0xC6120001, arp.senderIp());
        assertEquals(0xC6120064, arp.targetIp());
        arp.write(ArpPacket.OP_REPLY, 0x020000000002L, 0xC6120064, 0x020000000001L, 0xC6120001);
        byte[] expected = Frames.arp(false, Frames.CLIENT_MAC, "ff:ff:ff:ff:ff:ff", Frames.DISPATCHER_MAC,
                "198.18.0.100", Frames.CLIENT_MAC, "198.18.0.1", -1);
        assertEquals(java.util.HexFormat.of().formatHex(expected), java.util.HexFormat.of().formatHex(frame));
        frame[14 + 5] = 16;
        assertEquals(ArpPacket.UNSUPPORTED, arp.wrap(buffer, 14));
        buffer.length(14 + 27);
        assertEquals(ArpPacket.TRUNCATED, arp.wrap(buffer, 14));
    }

    @Test
    void flagsFragments() {
        Frames.Tcp first = new Frames.Tcp();
        first.moreFragments = true;
        PacketBuffer buffer = PacketBuffer.ofArray(first.build());
        eth.wrap(buffer);
        ip.wrap(buffer, 14);
        assertTrue(ip.isFragment());
        Frames.Tcp later = new Frames.Tcp();
        later.fragmentOffset = 7;
        buffer = PacketBuffer.ofArray(later.build());
        ip.wrap(buffer, 14);
        assertTrue(ip.isFragment());
    }
}
