package dev.dispatcher.dataplane.forward;

import dev.dispatcher.dataplane.arp.ArpAgent;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowHash;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.sched.SmoothWeightedRoundRobin;
import dev.dispatcher.packet.EthernetFrame;
import dev.dispatcher.packet.InternetChecksum;
import dev.dispatcher.packet.Ipv4Packet;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.packet.TcpSegment;
import dev.dispatcher.packet.UdpDatagram;

/**
 * The per-packet decision of one forwarding worker: the three questions a host asks of a frame
 * (is it for my MAC, is it for an address I serve, which flow is it) and then, for a packet to a
 * VIP:port, which real server gets it. A forwarded frame leaves with destination MAC = the real
 * server's and source MAC = ours; every other byte is untouched (no TTL or checksum change: this
 * is L2 forwarding, the IP packet is delivered, not routed).
 *
 * <p>Owns its flow table shard, its schedulers and its counters; shares only the immutable
 * {@link ForwardingTable} and the single-writer {@link NeighbourTable}. No allocation per frame.
 */
public final class Forwarder implements SmoothWeightedRoundRobin.Eligibility {
    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final UdpDatagram udp = new UdpDatagram();
    private final FlowTable flows;
    private final NeighbourTable neighbours;
    private final ArpAgent arp;
    private final ForwarderCounters counters;

    private ForwardingTable table;
    private SmoothWeightedRoundRobin[] schedulers;
    private long ownMac;
    private int maxIpLength;

    /**
     * @param arp the ARP agent when this worker owns ARP, else null (ARP frames are then ignored;
     *     the pipeline sends every ARP frame to the owning worker)
     */
    public Forwarder(ForwardingTable table, FlowTable flows, NeighbourTable neighbours, ArpAgent arp,
                     ForwarderCounters counters) {
        this.flows = flows;
        this.neighbours = neighbours;
        this.arp = arp;
        this.counters = counters;
        adopt(table);
    }

    /** Switches to a new table; call between batches, never during one. Allocates (control path). */
    public void adopt(ForwardingTable newTable) {
        SmoothWeightedRoundRobin[] fresh = new SmoothWeightedRoundRobin[newTable.serviceCount()];
        for (int s = 0; s < fresh.length; s++) {
            // The scheduler picks pairs (server within service): the flow and its counters need it.
            fresh[s] = new SmoothWeightedRoundRobin(newTable.servicePairs(s), newTable.serviceWeights(s));
        }
        this.schedulers = fresh;
        this.table = newTable;
        this.ownMac = newTable.ownMac();
        this.maxIpLength = newTable.mtu();
        if (arp != null) {
            arp.adopt(newTable);
        }
    }

    public ForwardingTable table() {
        return table;
    }

    public FlowTable flows() {
        return flows;
    }

    public ForwarderCounters counters() {
        return counters;
    }

    /** Decides, rewrites and (when forwarding) sends one frame; returns and counts its verdict. */
    public int process(PacketBuffer frame, int wireLength, long nowNanos, PacketSink sink) {
        int verdict = decide(frame, wireLength, nowNanos, sink);
        counters.verdictPackets[verdict]++;
        counters.receivedBytes += wireLength;
        return verdict;
    }

    private int decide(PacketBuffer frame, int wireLength, long nowNanos, PacketSink sink) {
        if (wireLength > frame.length()) {
            return Verdict.CAPTURE_TRUNCATED;
        }
        int status = eth.wrap(frame);
        if (status != EthernetFrame.OK) {
            return status == EthernetFrame.TRUNCATED ? Verdict.TRUNCATED : Verdict.BAD_HEADER;
        }
        if (!EthernetFrame.isIndividualAddress(eth.source())) {
            return Verdict.BAD_SOURCE_MAC;
        }
        int type = eth.etherType();
        if (type == EthernetFrame.TYPE_ARP) {
            return arp == null ? Verdict.ARP_IGNORED : arp.onArp(frame, eth, nowNanos, sink);
        }
        if (type != EthernetFrame.TYPE_IPV4) {
            return Verdict.NOT_IPV4;
        }
        status = ip.wrap(frame, eth.payloadOffset());
        if (status != Ipv4Packet.OK) {
            return status == Ipv4Packet.TRUNCATED ? Verdict.TRUNCATED : Verdict.BAD_HEADER;
        }
        int dstIp = ip.destination();
        if (!table.isVip(dstIp)) {
            return Verdict.NOT_VIP;
        }
        if (eth.destination() != ownMac) {
            return Verdict.NOT_OUR_MAC;
        }
        int srcIp = ip.source();
        if (srcIp == dstIp || !Ipv4Packet.isUnicastSource(srcIp)) {
            // No client has these addresses: a server would answer into the void or to itself.
            return Verdict.SPOOFED_SOURCE;
        }
        if (ip.isFragment()) {
            return Verdict.FRAGMENT;
        }
        if (ip.totalLength() > maxIpLength) {
            return Verdict.OVERSIZE;
        }
        int protocol = ip.protocol();
        int srcPort;
        int dstPort;
        int tcpFlags = 0;
        if (protocol == Ipv4Packet.PROTO_TCP) {
            status = tcp.wrap(frame, ip.payloadOffset(), ip.payloadLength());
            if (status != TcpSegment.OK) {
                return status == TcpSegment.TRUNCATED ? Verdict.TRUNCATED : Verdict.BAD_HEADER;
            }
            srcPort = tcp.sourcePort();
            dstPort = tcp.destinationPort();
            tcpFlags = tcp.flags();
        } else if (protocol == Ipv4Packet.PROTO_UDP) {
            status = udp.wrap(frame, ip.payloadOffset(), ip.payloadLength());
            if (status != UdpDatagram.OK) {
                return status == UdpDatagram.TRUNCATED ? Verdict.TRUNCATED : Verdict.BAD_HEADER;
            }
            srcPort = udp.sourcePort();
            dstPort = udp.destinationPort();
        } else {
            return Verdict.NO_SERVICE;
        }
        int service = table.service(dstIp, dstPort, protocol);
        if (service == ForwardingTable.NO_SERVICE) {
            return Verdict.NO_SERVICE;
        }
        long keyHigh = FlowHash.keyHigh(srcIp, dstIp);
        long keyLow = FlowHash.keyLow(srcPort, dstPort, protocol);
        long hash = FlowHash.hash(keyHigh, keyLow);
        boolean isTcp = protocol == Ipv4Packet.PROTO_TCP;
        int slot = flows.lookup(keyHigh, keyLow, hash, nowNanos);
        int server;
        boolean reused = slot != FlowTable.MISS && newConnectionOnClosedFlow(slot, isTcp, tcpFlags);
        boolean moved = slot != FlowTable.MISS && !reused && !table.keepsFlow(flows.serverAt(slot));
        int pair;
        if (slot != FlowTable.MISS && !reused && !moved) {
            counters.lookupHit++;
            pair = flows.serverAt(slot);
            server = table.pairServer(pair);
            int state = flows.stateAt(slot);
            flows.touch(slot, isTcp ? FlowState.next(state, tcpFlags, false) : FlowState.UDP, nowNanos);
        } else {
            if (moved) {
                // The flow's server left the service or went down under the reset policy.
                counters.flowsRescheduled++;
            } else if (isTcp && (tcpFlags & TcpSegment.SYN) == 0) {
                counters.lookupMissNoSyn++;
            } else {
                counters.lookupMissSyn++;
            }
            // Only a flow's first packet is checked: it catches senders whose checksum offload
            // left a partial sum (veth labs, VMs) at a cost per flow, not per packet.
            if (!InternetChecksum.l4ChecksumValid(frame, ip)) {
                return Verdict.BAD_CHECKSUM;
            }
            pair = schedulers[service].pick(this);
            if (pair == SmoothWeightedRoundRobin.NONE) {
                return Verdict.NO_SERVER;
            }
            server = table.pairServer(pair);
            int state = isTcp ? FlowState.initialTcp(tcpFlags) : FlowState.UDP;
            if (slot != FlowTable.MISS) {
                flows.reassign(slot, pair, state, nowNanos);
            } else if (flows.insert(keyHigh, keyLow, hash, pair, state, nowNanos) == FlowTable.FULL) {
                return Verdict.TABLE_FULL;
            }
            counters.pairNewFlows[pair]++;
        }
        long serverMac = neighbours.mac(server);
        if (serverMac == NeighbourTable.UNKNOWN) {
            return Verdict.NO_SERVER;
        }
        eth.addresses(serverMac, ownMac);
        if (!sink.send(frame)) {
            return Verdict.SEND_ERROR;
        }
        counters.forwardedBytes += wireLength;
        counters.pairForwardedPackets[pair]++;
        counters.pairForwardedBytes[pair] += wireLength;
        return Verdict.FORWARDED;
    }

    /** A pair may take new flows while its server's MAC is known. */
    @Override
    public boolean eligible(int pair) {
        return neighbours.eligible(table.pairServer(pair));
    }

    /**
     * A bare SYN on a flow that already closed or was reset is a new connection reusing the
     * 5-tuple (clients with tcp_tw_reuse do this all the time): schedule it afresh.
     */
    private boolean newConnectionOnClosedFlow(int slot, boolean isTcp, int tcpFlags) {
        if (!isTcp || (tcpFlags & (TcpSegment.SYN | TcpSegment.ACK)) != TcpSegment.SYN) {
            return false;
        }
        int state = flows.stateAt(slot);
        return state == FlowState.TCP_CLOSING || state == FlowState.TCP_RESET;
    }
}
