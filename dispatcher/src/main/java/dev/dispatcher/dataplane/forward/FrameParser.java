package dev.dispatcher.dataplane.forward;

import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.packet.EthernetFrame;
import dev.dispatcher.packet.Ipv4Packet;
import dev.dispatcher.packet.TcpSegment;
import dev.dispatcher.packet.UdpDatagram;

/**
 * The parse stage: reads the headers of a frame in place into a {@link ParsedFrame}, one layer
 * at a time, and turns every malformed header into its verdict. The forwarder calls the layers
 * in order with its own checks between them (is the packet for a VIP, for our MAC), so that a
 * frame that is not ours is passed before anything beyond its addresses is trusted.
 *
 * <p>Each method returns {@link Verdict#CONTINUE} when the next stage may go on.
 */
final class FrameParser {
    /** {@link #parseLink} result for ARP: the ARP agent takes the frame. */
    static final int ARP = -2;

    /** Ethernet (tags included) and the network header; {@link #ARP} for ARP frames. */
    int parseLink(ParsedFrame p) {
        int status = p.eth.wrap(p.frame);
        if (status != EthernetFrame.OK) {
            return status == EthernetFrame.TRUNCATED ? Verdict.TRUNCATED : Verdict.BAD_HEADER;
        }
        if (!EthernetFrame.isIndividualAddress(p.eth.source())) {
            return Verdict.BAD_SOURCE_MAC;
        }
        int type = p.eth.etherType();
        if (type == EthernetFrame.TYPE_ARP) {
            return ARP;
        }
        if (type != EthernetFrame.TYPE_IPV4) {
            return Verdict.NOT_IPV4;
        }
        status = p.ipv4.wrap(p.frame, p.eth.payloadOffset());
        if (status != Ipv4Packet.OK) {
            return status == Ipv4Packet.TRUNCATED ? Verdict.TRUNCATED : Verdict.BAD_HEADER;
        }
        return Verdict.CONTINUE;
    }

    /**
     * The transport header, and the flow key from it and the network header. Protocols other
     * than TCP and UDP have no service ({@link Verdict#NO_SERVICE}).
     */
    int parseTransport(ParsedFrame p) {
        Ipv4Packet ip = p.ipv4;
        int protocol = ip.protocol();
        int status;
        if (protocol == Ipv4Packet.PROTO_TCP) {
            status = p.tcp.wrap(p.frame, ip.payloadOffset(), ip.payloadLength());
            if (status != TcpSegment.OK) {
                return status == TcpSegment.TRUNCATED ? Verdict.TRUNCATED : Verdict.BAD_HEADER;
            }
            p.tcpFlags = p.tcp.flags();
            p.key.ipv4(ip.source(), ip.destination(), p.tcp.sourcePort(), p.tcp.destinationPort(), protocol);
            return Verdict.CONTINUE;
        }
        if (protocol == Ipv4Packet.PROTO_UDP) {
            status = p.udp.wrap(p.frame, ip.payloadOffset(), ip.payloadLength());
            if (status != UdpDatagram.OK) {
                return status == UdpDatagram.TRUNCATED ? Verdict.TRUNCATED : Verdict.BAD_HEADER;
            }
            p.tcpFlags = 0;
            p.key.ipv4(ip.source(), ip.destination(), p.udp.sourcePort(), p.udp.destinationPort(), protocol);
            return Verdict.CONTINUE;
        }
        return Verdict.NO_SERVICE;
    }
}
