package dev.dispatcher.testing;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.pcap4j.packet.ArpPacket;
import org.pcap4j.packet.Dot1qVlanTagPacket;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IpV4NoOperationOption;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.IpV4Rfc791Tos;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.UdpPacket;
import org.pcap4j.packet.UnknownPacket;
import org.pcap4j.packet.namednumber.ArpHardwareType;
import org.pcap4j.packet.namednumber.ArpOperation;
import org.pcap4j.packet.namednumber.EtherType;
import org.pcap4j.packet.namednumber.IpNumber;
import org.pcap4j.packet.namednumber.IpVersion;
import org.pcap4j.packet.namednumber.TcpPort;
import org.pcap4j.packet.namednumber.UdpPort;
import org.pcap4j.util.MacAddress;

/**
 * Builds test frames with pcap4j's own packet builders, independently of the dispatcher's codecs,
 * so that expected output is never derived from the code under test.
 */
public final class Frames {
    public static final String CLIENT_MAC = "02:00:00:00:00:01";
    public static final String DISPATCHER_MAC = "02:00:00:00:00:02";
    public static final String RS1_MAC = "02:00:00:00:00:11";
    public static final String RS2_MAC = "02:00:00:00:00:12";
    public static final String RS3_MAC = "02:00:00:00:00:13";
    public static final String RS4_MAC = "02:00:00:00:00:14";
    public static final String CLIENT_IP = "198.18.0.1";
    public static final String VIP = "198.18.0.100";

    private Frames() {
    }

    /** A TCP segment description; every field has a sensible default. */
    public static final class Tcp {
        public String srcMac = CLIENT_MAC;
        public String dstMac = DISPATCHER_MAC;
        public String srcIp = CLIENT_IP;
        public String dstIp = VIP;
        public int srcPort = 40000;
        public int dstPort = 80;
        public boolean syn = true;
        public boolean ack;
        public boolean fin;
        public boolean rst;
        public int vlan = -1;
        public int ipOptionWords;
        public boolean moreFragments;
        public int fragmentOffset;
        public byte[] payload = new byte[0];
        public boolean badChecksum;

        public Tcp srcPort(int port) {
            this.srcPort = port;
            return this;
        }

        public Tcp dstPort(int port) {
            this.dstPort = port;
            return this;
        }

        public Tcp ack() {
            this.syn = false;
            this.ack = true;
            return this;
        }

        public Tcp macs(String src, String dst) {
            this.srcMac = src;
            this.dstMac = dst;
            return this;
        }

        public Tcp copy() {
            Tcp t = new Tcp();
            t.srcMac = srcMac;
            t.dstMac = dstMac;
            t.srcIp = srcIp;
            t.dstIp = dstIp;
            t.srcPort = srcPort;
            t.dstPort = dstPort;
            t.syn = syn;
            t.ack = ack;
            t.fin = fin;
            t.rst = rst;
            t.vlan = vlan;
            t.ipOptionWords = ipOptionWords;
            t.moreFragments = moreFragments;
            t.fragmentOffset = fragmentOffset;
            t.payload = payload;
            t.badChecksum = badChecksum;
            return t;
        }

        public byte[] build() {
            TcpPacket.Builder tcp = new TcpPacket.Builder()
                    .srcPort(TcpPort.getInstance((short) srcPort)).dstPort(TcpPort.getInstance((short) dstPort))
                    .sequenceNumber(1000).acknowledgmentNumber(ack ? 2000 : 0)
                    .syn(syn).ack(ack).fin(fin).rst(rst).window((short) 64240)
                    .srcAddr(inet(srcIp)).dstAddr(inet(dstIp))
                    .correctLengthAtBuild(true).correctChecksumAtBuild(!badChecksum)
                    .payloadBuilder(payload.length == 0 ? null : new UnknownPacket.Builder().rawData(payload));
            if (badChecksum) {
                tcp.checksum((short) 0x1234);
            }
            return ethernet(srcMac, dstMac, vlan, ipv4(tcp, IpNumber.TCP, srcIp, dstIp, ipOptionWords, moreFragments,
                    fragmentOffset)).getRawData();
        }
    }

    public static byte[] udp(String srcMac, String dstMac, String srcIp, String dstIp, int srcPort, int dstPort,
                             byte[] payload) {
        UdpPacket.Builder udp = new UdpPacket.Builder()
                .srcPort(UdpPort.getInstance((short) srcPort)).dstPort(UdpPort.getInstance((short) dstPort))
                .srcAddr(inet(srcIp)).dstAddr(inet(dstIp))
                .correctLengthAtBuild(true).correctChecksumAtBuild(true)
                .payloadBuilder(new UnknownPacket.Builder().rawData(payload));
        return ethernet(srcMac, dstMac, -1, ipv4(udp, IpNumber.UDP, srcIp, dstIp, 0, false, 0)).getRawData();
    }

    public static byte[] arp(boolean request, String ethSrc, String ethDst, String senderMac, String senderIp,
                             String targetMac, String targetIp, int vlan) {
        ArpPacket.Builder arp = new ArpPacket.Builder()
                .hardwareType(ArpHardwareType.ETHERNET).protocolType(EtherType.IPV4)
                .hardwareAddrLength((byte) 6).protocolAddrLength((byte) 4)
                .operation(request ? ArpOperation.REQUEST : ArpOperation.REPLY)
                .srcHardwareAddr(mac(senderMac)).srcProtocolAddr(inet(senderIp))
                .dstHardwareAddr(mac(targetMac)).dstProtocolAddr(inet(targetIp));
        return ethernet(ethSrc, ethDst, vlan, arp).getRawData();
    }

    /** An Ethernet frame of another type (e.g. 0x86DD IPv6) with an opaque payload. */
    public static byte[] raw(String srcMac, String dstMac, int etherType, byte[] payload) {
        return new EthernetPacket.Builder().srcAddr(mac(srcMac)).dstAddr(mac(dstMac))
                .type(EtherType.getInstance((short) etherType))
                .payloadBuilder(new UnknownPacket.Builder().rawData(payload))
                .paddingAtBuild(true).build().getRawData();
    }

    private static IpV4Packet.Builder ipv4(Packet.Builder payload, IpNumber protocol, String src, String dst,
                                           int optionWords, boolean moreFragments, int fragmentOffset) {
        List<IpV4Packet.IpV4Option> options = new ArrayList<>();
        for (int i = 0; i < optionWords * 4; i++) {
            options.add(IpV4NoOperationOption.getInstance());
        }
        return new IpV4Packet.Builder()
                .version(IpVersion.IPV4).tos(IpV4Rfc791Tos.newInstance((byte) 0))
                .identification((short) 4242).ttl((byte) 64).protocol(protocol)
                .srcAddr(inet(src)).dstAddr(inet(dst)).options(options)
                .moreFragmentFlag(moreFragments).fragmentOffset((short) fragmentOffset)
                .dontFragmentFlag(!moreFragments && fragmentOffset == 0)
                .correctChecksumAtBuild(true).correctLengthAtBuild(true).paddingAtBuild(true)
                .payloadBuilder(payload);
    }

    private static EthernetPacket ethernet(String src, String dst, int vlan, Packet.Builder payload) {
        EthernetPacket.Builder eth = new EthernetPacket.Builder().srcAddr(mac(src)).dstAddr(mac(dst))
                .paddingAtBuild(true);
        if (vlan < 0) {
            eth.type(typeOf(payload)).payloadBuilder(payload);
        } else {
            eth.type(EtherType.DOT1Q_VLAN_TAGGED_FRAMES).payloadBuilder(new Dot1qVlanTagPacket.Builder()
                    .priority((byte) 0).cfi(false).vid((short) vlan).type(typeOf(payload)).payloadBuilder(payload));
        }
        return eth.build();
    }

    private static EtherType typeOf(Packet.Builder payload) {
        return payload instanceof ArpPacket.Builder ? EtherType.ARP : EtherType.IPV4;
    }

    public static MacAddress mac(String text) {
        return MacAddress.getByName(text);
    }

    public static Inet4Address inet(String text) {
        try {
            return (Inet4Address) InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
