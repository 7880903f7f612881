package dev.dispatcher.dataplane.forward;

import dev.dispatcher.dataplane.arp.ArpAgent;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.packet.InternetChecksum;
import dev.dispatcher.packet.Ipv4Packet;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.packet.TcpSegment;

/**
 * The per-packet decision of one forwarding worker: the three questions a host asks of a frame
 * (is it for my MAC, is it for an address I serve, which flow is it) and then, for a packet to a
 * VIP:port, which real server gets it. A forwarded frame leaves with destination MAC = the real
 * server's and source MAC = ours; every other byte is untouched (no TTL or checksum change: this
 * is L2 forwarding, the IP packet is delivered, not routed).
 *
 * <p>The decision is a row of named stages, each returning {@link Verdict#CONTINUE} or the
 * frame's verdict: <b>parse</b> (link and network headers), <b>classify</b> (for our MAC, from a
 * possible client, whole and not too long), <b>parse transport</b> (ports, and the
 * {@code FlowKey}), <b>service</b> (which VIP:port), <b>look up</b> (the flow's entry),
 * <b>schedule</b> (a new flow's server), <b>rewrite and send</b>. A new kind of packet (ICMP
 * errors, fragments, IPv6) is a new parse or classify step that fills the same
 * {@link ParsedFrame}, not a new branch in one long chain.
 *
 * <p>"Is the destination a VIP?" comes first in meaning but last in time: a frame that finds a
 * service is for a VIP, so the forwarding path never asks it on its own (one probe of the
 * service map instead of two, a measured part of the per-frame cost). A frame that any stage
 * from classify to service drops is asked then, and is {@link Verdict#NOT_VIP} when its
 * destination is no VIP, whatever that stage found: the verdicts are those of the checks done
 * in their order. Reading the transport header of a frame that turns out not to be ours is safe:
 * the parse is bounded and trusts nothing.
 *
 * <p>Owns its flow table shard, its schedulers and its counters; shares only the immutable
 * {@link ForwardingTable} and the single-writer {@link NeighbourTable}. No allocation per frame.
 */
public final class Forwarder {
    private final ParsedFrame packet = new ParsedFrame();
    private final FrameParser parser = new FrameParser();
    private final FlowTable flows;
    private final NeighbourTable neighbours;
    private final ArpAgent arp;
    private final ForwarderCounters counters;
    private final Schedulers schedulers;

    private ForwardingTable table;
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
        this.schedulers = new Schedulers(neighbours);
        schedulers.countActiveIn(new FlowTable[] {flows});
        adopt(table);
    }

    /** Switches to a new table; call between batches, never during one. Allocates (control path). */
    public void adopt(ForwardingTable newTable) {
        schedulers.adopt(newTable);
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

    public Schedulers schedulers() {
        return schedulers;
    }

    /**
     * Connection limits count the active flows of every worker's table, not only this one's; set
     * before the worker starts.
     */
    public void countActiveFlowsIn(FlowTable[] allWorkers) {
        schedulers.countActiveIn(allWorkers);
    }

    /** Decides, rewrites and (when forwarding) sends one frame; returns and counts its verdict. */
    public int process(PacketBuffer frame, int wireLength, long nowNanos, PacketSink sink) {
        int verdict = decide(frame, wireLength, nowNanos, sink);
        counters.countFrame(verdict, wireLength);
        return verdict;
    }

    private int decide(PacketBuffer frame, int wireLength, long nowNanos, PacketSink sink) {
        if (wireLength > frame.length()) {
            return Verdict.CAPTURE_TRUNCATED;
        }
        ParsedFrame p = packet;
        p.frame = frame;
        p.wireLength = wireLength;
        int verdict = parser.parseLink(p);
        if (verdict == FrameParser.ARP) {
            return arp == null ? Verdict.ARP_IGNORED : arp.onArp(frame, p.eth, nowNanos, sink);
        }
        if (verdict != Verdict.CONTINUE) {
            return verdict;
        }
        verdict = classify(p);
        if (verdict == Verdict.CONTINUE) {
            verdict = parser.parseTransport(p);
        }
        if (verdict == Verdict.CONTINUE) {
            verdict = findService(p);
        }
        if (verdict != Verdict.CONTINUE) {
            return isForVip(p) ? verdict : Verdict.NOT_VIP;
        }
        verdict = lookUpOrSchedule(p, nowNanos);
        if (verdict == Verdict.CONTINUE) {
            verdict = rewriteAndSend(p, sink);
        }
        return verdict;
    }

    /**
     * Is the packet for our MAC, from a possible client, whole and not too long? Checked on the
     * network header alone. Whether its destination is a VIP is settled by the service stage (see
     * the class comment).
     */
    private int classify(ParsedFrame p) {
        Ipv4Packet ip = p.ipv4;
        int destination = ip.destination();
        if (p.eth.destination() != ownMac) {
            return Verdict.NOT_OUR_MAC;
        }
        int source = ip.source();
        if (source == destination || !Ipv4Packet.isUnicastSource(source)) {
            // No client has these addresses: a server would answer into the void or to itself.
            return Verdict.SPOOFED_SOURCE;
        }
        if (ip.isFragment()) {
            return Verdict.FRAGMENT;
        }
        if (ip.totalLength() > maxIpLength) {
            return Verdict.OVERSIZE;
        }
        return Verdict.CONTINUE;
    }

    /** The network header's destination is a VIP; for frames that a stage dropped (see the class comment). */
    private boolean isForVip(ParsedFrame p) {
        return table.isVip(p.ipv4.destination());
    }

    private int findService(ParsedFrame p) {
        int service = table.service(p.key);
        if (service == ForwardingTable.NO_SERVICE) {
            return Verdict.NO_SERVICE;
        }
        p.service = service;
        return Verdict.CONTINUE;
    }

    /**
     * The flow's entry decides, unless there is none, or it belongs to a connection that ended
     * (a bare SYN reusing a closed 5-tuple), or its server may no longer keep it: then the flow
     * is scheduled afresh.
     */
    private int lookUpOrSchedule(ParsedFrame p, long nowNanos) {
        int slot = flows.lookup(p.key, nowNanos);
        p.slot = slot;
        if (slot == FlowTable.MISS) {
            if (p.isTcp() && (p.tcpFlags & TcpSegment.SYN) == 0) {
                counters.count(ForwarderCounters.LOOKUP_MISS_NO_SYN);
            } else {
                counters.count(ForwarderCounters.LOOKUP_MISS_SYN);
            }
            return schedule(p, nowNanos);
        }
        if (newConnectionOnClosedFlow(p, slot)) {
            counters.count(ForwarderCounters.LOOKUP_MISS_SYN);
            return schedule(p, nowNanos);
        }
        int pair = flows.pairAt(slot);
        if (!table.keepsFlow(pair)) {
            // The flow's server left the service or went down under the reset policy.
            counters.count(ForwarderCounters.FLOWS_RESCHEDULED);
            return schedule(p, nowNanos);
        }
        counters.countHit();
        p.pair = pair;
        p.server = table.pairServer(pair);
        int state = flows.stateAt(slot);
        flows.touch(slot, p.isTcp() ? FlowState.next(state, p.tcpFlags, false) : FlowState.UDP, nowNanos);
        return Verdict.CONTINUE;
    }

    /** A new flow (or one starting over in its old slot): checksum, pick a pair, remember it. */
    private int schedule(ParsedFrame p, long nowNanos) {
        // Only a flow's first packet is checked: it catches senders whose checksum offload
        // left a partial sum (veth labs, VMs) at a cost per flow, not per packet.
        if (!InternetChecksum.l4ChecksumValid(p.frame, p.ipv4)) {
            return Verdict.BAD_CHECKSUM;
        }
        // A TCP segment without SYN that no entry knows belongs to a connection that started
        // elsewhere or before: the Maglev table puts it where any dispatcher would. So does a flow
        // above the new-flow rate limit: it is not remembered, so its next packet must land on
        // the same server without an entry.
        boolean remembered = p.slot != FlowTable.MISS || flows.admit(nowNanos);
        boolean lost = p.slot == FlowTable.MISS && p.isTcp() && (p.tcpFlags & TcpSegment.SYN) == 0;
        long hash = p.key.hash();
        int pair = lost || !remembered ? schedulers.placeLost(p.service, hash) : schedulers.pick(p.service, hash);
        if (pair == Schedulers.NONE) {
            return !lost && remembered && schedulers.sawFull() ? Verdict.SERVER_FULL : Verdict.NO_SERVER;
        }
        int state = p.isTcp() ? FlowState.initialTcp(p.tcpFlags) : FlowState.UDP;
        if (p.slot != FlowTable.MISS) {
            flows.reassign(p.slot, pair, state, nowNanos);
        } else if (remembered && flows.insert(p.key, pair, state, nowNanos) == FlowTable.FULL) {
            return Verdict.TABLE_FULL;
        }
        counters.countPair(ForwarderCounters.PAIR_NEW_FLOWS, pair, 1);
        p.pair = pair;
        p.server = table.pairServer(pair);
        return Verdict.CONTINUE;
    }

    private int rewriteAndSend(ParsedFrame p, PacketSink sink) {
        long serverMac = neighbours.mac(p.server);
        if (serverMac == NeighbourTable.UNKNOWN) {
            return Verdict.NO_SERVER;
        }
        p.eth.addresses(serverMac, ownMac);
        if (!sink.send(p.frame)) {
            return Verdict.SEND_ERROR;
        }
        counters.countForwarded(p.pair, p.wireLength);
        return Verdict.FORWARDED;
    }

    /**
     * A bare SYN on a flow that already closed or was reset is a new connection reusing the
     * 5-tuple (clients with tcp_tw_reuse do this all the time): schedule it afresh. So is one on
     * an unconfirmed flow: no client sends a SYN after its data, a spoofer planting the entry might.
     */
    private boolean newConnectionOnClosedFlow(ParsedFrame p, int slot) {
        if (!p.isTcp() || (p.tcpFlags & (TcpSegment.SYN | TcpSegment.ACK)) != TcpSegment.SYN) {
            return false;
        }
        int state = flows.stateAt(slot);
        return state == FlowState.TCP_CLOSING || state == FlowState.TCP_RESET || state == FlowState.TCP_UNCONFIRMED;
    }
}
