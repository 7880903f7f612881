package dev.dispatcher.dataplane.forward;

import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.packet.EthernetFrame;
import dev.dispatcher.packet.Ipv4Packet;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.packet.TcpSegment;
import dev.dispatcher.packet.UdpDatagram;

/**
 * What the stages of one worker learn about the frame in hand, filled stage by stage and reused
 * for every frame (one per worker, never allocated per frame). Each stage reads what the earlier
 * ones wrote: the parse stage the headers and the {@link FlowKey}, the classify stage the service,
 * the look-up stage the flow's slot, pair and server.
 */
final class ParsedFrame {
    final EthernetFrame eth = new EthernetFrame();
    final Ipv4Packet ipv4 = new Ipv4Packet();
    final TcpSegment tcp = new TcpSegment();
    final UdpDatagram udp = new UdpDatagram();
    final FlowKey key = new FlowKey();

    PacketBuffer frame;
    int wireLength;
    /** The TCP flags of the segment; 0 for other protocols. */
    int tcpFlags;
    /** The service (VIP, port, protocol) of the forwarding table the frame is for. */
    int service;
    /** The flow's slot in the flow table, or {@code FlowTable.MISS}. */
    int slot;
    /** The (service, server) pair the frame goes to. */
    int pair;
    /** The server index of {@link #pair}. */
    int server;

    boolean isTcp() {
        return key.protocol() == Ipv4Packet.PROTO_TCP;
    }
}
