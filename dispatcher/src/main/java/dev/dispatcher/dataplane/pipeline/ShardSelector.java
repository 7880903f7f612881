package dev.dispatcher.dataplane.pipeline;

import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.packet.EthernetFrame;
import dev.dispatcher.packet.Ipv4Packet;
import dev.dispatcher.packet.PacketBuffer;

/**
 * Picks the worker for a frame: the owner of its {@link FlowKey} ({@link FlowKey#shard}), the same
 * one the fanout group's steering program picks in the kernel. Anything that is not an
 * unfragmented TCP/UDP packet (ARP above all) goes to worker 0, which owns ARP and the neighbour
 * table; malformed frames go there too, to be counted once.
 */
final class ShardSelector {
    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final FlowKey key = new FlowKey();
    private final int shards;

    ShardSelector(int shards) {
        this.shards = shards;
    }

    int shardOf(PacketBuffer frame) {
        if (shards == 1 || eth.wrap(frame) != EthernetFrame.OK || eth.etherType() != EthernetFrame.TYPE_IPV4
                || ip.wrap(frame, eth.payloadOffset()) != Ipv4Packet.OK || ip.isFragment()) {
            return 0;
        }
        int protocol = ip.protocol();
        if ((protocol != Ipv4Packet.PROTO_TCP && protocol != Ipv4Packet.PROTO_UDP) || ip.payloadLength() < 4) {
            return 0;
        }
        int l4 = ip.payloadOffset();
        return key.ipv4(ip.source(), ip.destination(), frame.getU16(l4), frame.getU16(l4 + 2), protocol).shard(shards);
    }
}
