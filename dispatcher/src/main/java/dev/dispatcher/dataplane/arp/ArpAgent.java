package dev.dispatcher.dataplane.arp;

import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.PartnerWatch;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.packet.ArpPacket;
import dev.dispatcher.packet.EthernetFrame;
import dev.dispatcher.packet.PacketBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The dispatcher's ARP: answers requests for the VIPs (and nothing else) with our MAC, learns real
 * servers' MACs from any ARP they send, flags ARP that claims a VIP from another MAC, announces the
 * VIPs with gratuitous ARP at start, and resolves the real servers on a timer. Runs on the one
 * worker that owns the {@link NeighbourTable}. Replies are built in a scratch buffer owned here.
 *
 * <p>A VIP that appears in a new table (a takeover, a reload, the API) is announced at once and
 * again after 1 s and 5 s, each time in both forms switches and hosts learn from: the RFC 5227
 * request and the gratuitous reply. With a high-availability partner ({@link PartnerWatch}), the
 * agent also counts the partner's ARP for any configured VIP per group, and probes the partner
 * every interval with a unicast request for a VIP it does not serve here, so that a live partner
 * that serves it answers even while heartbeats are lost.
 */
public final class ArpAgent {
    private static final int MIN_FRAME = 60;
    /** When a new VIP is announced, after it appears: the 0, 1 and 5 s, as keepalived's repeats do. */
    private static final long[] ANNOUNCE_AFTER_NANOS = {0, 1_000_000_000L, 5_000_000_000L};
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final EthernetFrame requestEth = new EthernetFrame();
    private final ArpPacket requestArp = new ArpPacket();
    private final EthernetFrame replyEth = new EthernetFrame();
    private final ArpPacket replyArp = new ArpPacket();
    private final PacketBuffer scratch = new PacketBuffer();
    private final NeighbourTable neighbours;
    private final ArpTimings timings;

    private ForwardingTable table;
    private int gratuitousLeft;
    private long nextGratuitousAtNanos;
    private boolean started;
    /** The VIPs being announced after they appeared, and how far through {@link #ANNOUNCE_AFTER_NANOS}. */
    private int[] announcing = new int[0];
    private int announceRound = ANNOUNCE_AFTER_NANOS.length;
    private boolean announceArmed;
    private long announceStartNanos;
    private long nextProbeAtNanos;
    private boolean probing;
    /** Per group, how often the partner's MAC was seen claiming one of its VIPs (opaque; read acquire). */
    private final long[] partnerSeen = new long[PartnerWatch.MAX_GROUPS];

    /** Written by the owning worker (opaque), read by the control plane (acquire). */
    private long requestsAnswered;
    private long gratuitousSent;
    private long requestsSent;
    private long probesSent;
    /**
     * The last conflict, under a sequence lock: the worker makes {@link #conflictSequence} odd,
     * writes the MAC and address, and makes it even again, so a reader can tell a torn pair and
     * read again. Twice the number of conflicts when even.
     */
    private long conflictSequence;
    private long lastConflictMac;
    private int lastConflictIp;

    private static final VarHandle REQUESTS_ANSWERED;
    private static final VarHandle GRATUITOUS_SENT;
    private static final VarHandle REQUESTS_SENT;
    private static final VarHandle PROBES_SENT;
    private static final VarHandle CONFLICT_SEQUENCE;
    private static final VarHandle LAST_CONFLICT_MAC;
    private static final VarHandle LAST_CONFLICT_IP;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUESTS_ANSWERED = lookup.findVarHandle(ArpAgent.class, "requestsAnswered", long.class);
            GRATUITOUS_SENT = lookup.findVarHandle(ArpAgent.class, "gratuitousSent", long.class);
            REQUESTS_SENT = lookup.findVarHandle(ArpAgent.class, "requestsSent", long.class);
            PROBES_SENT = lookup.findVarHandle(ArpAgent.class, "probesSent", long.class);
            CONFLICT_SEQUENCE = lookup.findVarHandle(ArpAgent.class, "conflictSequence", long.class);
            LAST_CONFLICT_MAC = lookup.findVarHandle(ArpAgent.class, "lastConflictMac", long.class);
            LAST_CONFLICT_IP = lookup.findVarHandle(ArpAgent.class, "lastConflictIp", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A conflict: someone else's MAC claiming a VIP, and how many conflicts there were in all. */
    public record Conflict(long count, long mac, int vip) {
    }

    public ArpAgent(ForwardingTable table, NeighbourTable neighbours, ArpTimings timings) {
        this.table = table;
        this.neighbours = neighbours;
        this.timings = timings;
        this.scratch.wrap(MemorySegment.ofArray(new byte[128]), 0, 0);
        this.gratuitousLeft = timings.active() ? timings.gratuitousCount() : 0;
        neighbours.syncStatic(table);
    }

    /**
     * Switches to a new table and takes over its static MACs (this is the neighbour table's writer).
     * VIPs it serves that the old one did not, or all of them when the partner watch asks for a new
     * announcement, are announced from the next timer tick on. Allocates (control path).
     */
    public void adopt(ForwardingTable newTable) {
        ForwardingTable old = this.table;
        this.table = newTable;
        neighbours.syncStatic(newTable);
        boolean again = newTable.partnerWatch().announceGeneration() != old.partnerWatch().announceGeneration();
        int[] fresh = new int[newTable.vipCount()];
        int n = 0;
        for (int v = 0; v < newTable.vipCount(); v++) {
            if (newTable.vipIsIpv4(v) && (again || !old.isVip(newTable.vip(v)))) {
                fresh[n++] = newTable.vip(v);
            }
        }
        if (n > 0) {
            // Still-running announcements restart with the new VIPs: a repeat early is harmless.
            int[] merged = Arrays.copyOf(announcing, announceRound < ANNOUNCE_AFTER_NANOS.length
                    ? announcing.length + n : n);
            System.arraycopy(fresh, 0, merged, merged.length - n, n);
            announcing = merged;
            announceRound = 0;
            announceArmed = true;
        }
        if (newTable.partnerWatch().partnerMac() != old.partnerWatch().partnerMac()) {
            probing = false;
        }
    }

    /**
     * Handles an ARP frame already parsed by {@code eth} and returns its verdict. A reply to a
     * request for a VIP reuses the request's VLAN tags, so it goes back on the same VLAN.
     */
    public int onArp(PacketBuffer frame, EthernetFrame eth, long nowNanos, PacketSink sink) {
        int arpOffset = eth.payloadOffset();
        int status = requestArp.wrap(frame, arpOffset);
        if (status == ArpPacket.TRUNCATED) {
            return Verdict.TRUNCATED;
        }
        if (status != ArpPacket.OK) {
            return Verdict.BAD_HEADER;
        }
        long ownMac = table.ownMac();
        long senderMac = requestArp.senderMac();
        int senderIp = requestArp.senderIp();
        if (senderMac == ownMac) {
            return Verdict.ARP_IGNORED;
        }
        if (!EthernetFrame.isIndividualAddress(senderMac)) {
            // A reply would go to that group (or to nobody): no station sends from one.
            return Verdict.BAD_SOURCE_MAC;
        }
        PartnerWatch watch = table.partnerWatch();
        if (senderMac == watch.partnerMac() && senderMac != 0) {
            int group = watch.groupOf(senderIp);
            if (group >= 0) {
                LONGS.setOpaque(partnerSeen, group, partnerSeen[group] + 1);
            }
        }
        if (table.isVip(senderIp)) {
            // Someone else claims a VIP: a real server without hidden ARP, or a spoofer.
            recordConflict(senderMac, senderIp);
            return Verdict.ARP_IGNORED;
        }
        int server = table.serverIndex(senderIp);
        int verdict = Verdict.ARP_IGNORED;
        if (server >= 0) {
            neighbours.learn(server, senderMac, nowNanos);
            verdict = Verdict.ARP_LEARNED;
        }
        long dst = eth.destination();
        if (requestArp.operation() == ArpPacket.OP_REQUEST && table.isVip(requestArp.targetIp())
                && (dst == EthernetFrame.BROADCAST || dst == ownMac)) {
            if (!reply(frame, arpOffset, ownMac, senderMac, senderIp, requestArp.targetIp(), sink)) {
                return Verdict.SEND_ERROR;
            }
            REQUESTS_ANSWERED.setOpaque(this, requestsAnswered + 1);
            return Verdict.ARP_REPLIED;
        }
        return verdict;
    }

    private boolean reply(PacketBuffer request, int arpOffset, long ownMac, long requesterMac,
                          int requesterIp, int vip, PacketSink sink) {
        scratch.length(scratch.capacity());
        // Copy the request's Ethernet header and tags, then overwrite addresses and the ARP body.
        MemorySegment.copy(request.segment(), request.offset(), scratch.segment(), scratch.offset(), arpOffset);
        replyEth.wrap(scratch);
        replyEth.destination(requesterMac);
        replyEth.source(ownMac);
        replyArp.wrap(scratch, arpOffset);
        replyArp.write(ArpPacket.OP_REPLY, ownMac, vip, requesterMac, requesterIp);
        finish(arpOffset + ArpPacket.LENGTH);
        return sink.send(scratch);
    }

    /** Pads to the Ethernet minimum, as NICs would, so captures compare byte for byte. */
    private void finish(int length) {
        int padded = Math.max(length, MIN_FRAME);
        for (int i = length; i < padded; i++) {
            scratch.putU8(i, 0);
        }
        scratch.length(padded);
    }

    private boolean sendArp(long dstMac, int operation, int senderIp, long targetMac, int targetIp, PacketSink sink) {
        scratch.length(scratch.capacity());
        long ownMac = table.ownMac();
        scratch.putU48(0, dstMac);
        scratch.putU48(6, ownMac);
        scratch.putU16(12, EthernetFrame.TYPE_ARP);
        replyArp.wrap(scratch, EthernetFrame.HEADER_LENGTH);
        replyArp.write(operation, ownMac, senderIp, targetMac, targetIp);
        finish(EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH);
        return sink.send(scratch);
    }

    /**
     * Timer duty: gratuitous ARP at start, requests for unknown servers every request interval,
     * refresh of known ones, expiry of MACs not confirmed in time. Cheap when nothing is due.
     */
    public void onTimer(long nowNanos, PacketSink sink) {
        if (!timings.active()) {
            return;
        }
        if (!started) {
            started = true;
            nextGratuitousAtNanos = nowNanos;
            for (int s = 0; s < neighbours.size(); s++) {
                neighbours.nextRequestAtNanos[s] = nowNanos;
            }
        }
        announceNewVips(nowNanos, sink);
        probePartner(nowNanos, sink);
        if (gratuitousLeft > 0 && nowNanos - nextGratuitousAtNanos >= 0) {
            for (int v = 0; v < table.vipCount(); v++) {
                if (!table.vipIsIpv4(v)) {
                    continue;
                }
                int vip = table.vip(v);
                // RFC 5227 section 3: an ARP request with sender and target both set to the address.
                if (sendArp(EthernetFrame.BROADCAST, ArpPacket.OP_REQUEST, vip, 0, vip, sink)) {
                    GRATUITOUS_SENT.setOpaque(this, gratuitousSent + 1);
                }
            }
            gratuitousLeft--;
            nextGratuitousAtNanos = nowNanos + timings.gratuitousIntervalNanos();
        }
        int servers = Math.min(neighbours.size(), table.serverCount());
        for (int s = 0; s < servers; s++) {
            if (!table.serverPresent(s) || neighbours.isStatic(s) || nowNanos - neighbours.nextRequestAtNanos[s] < 0) {
                continue;
            }
            long mac = neighbours.mac(s);
            long sinceConfirmed = nowNanos - neighbours.confirmedAtNanos[s];
            if (mac != NeighbourTable.UNKNOWN && sinceConfirmed >= timings.expireAfterNanos()) {
                neighbours.expire(s);
                mac = NeighbourTable.UNKNOWN;
            }
            if (mac == NeighbourTable.UNKNOWN || sinceConfirmed >= timings.refreshIntervalNanos()) {
                // Unicast refreshes to the known MAC, as the kernel's own neighbour probes do.
                long dst = mac == NeighbourTable.UNKNOWN ? EthernetFrame.BROADCAST : mac;
                if (sendArp(dst, ArpPacket.OP_REQUEST, table.ownIp(), 0, table.serverIp(s), sink)) {
                    REQUESTS_SENT.setOpaque(this, requestsSent + 1);
                }
                neighbours.nextRequestAtNanos[s] = nowNanos + timings.requestIntervalNanos();
            } else {
                neighbours.nextRequestAtNanos[s] =
                        neighbours.confirmedAtNanos[s] + timings.refreshIntervalNanos();
            }
        }
    }

    private void announceNewVips(long nowNanos, PacketSink sink) {
        if (announceArmed) {
            announceArmed = false;
            announceStartNanos = nowNanos;
        }
        if (announceRound >= ANNOUNCE_AFTER_NANOS.length
                || nowNanos - announceStartNanos < ANNOUNCE_AFTER_NANOS[announceRound]) {
            return;
        }
        for (int vip : announcing) {
            // A VIP given up again since it appeared is no longer ours to announce.
            if (table.isVip(vip)) {
                announce(vip, sink);
            }
        }
        announceRound++;
    }

    /** Both forms: the RFC 5227 request (sender = target = VIP) and the gratuitous reply. */
    private void announce(int vip, PacketSink sink) {
        if (sendArp(EthernetFrame.BROADCAST, ArpPacket.OP_REQUEST, vip, 0, vip, sink)) {
            GRATUITOUS_SENT.setOpaque(this, gratuitousSent + 1);
        }
        if (sendArp(EthernetFrame.BROADCAST, ArpPacket.OP_REPLY, vip, table.ownMac(), vip, sink)) {
            GRATUITOUS_SENT.setOpaque(this, gratuitousSent + 1);
        }
    }

    /** A unicast request to the partner for a VIP of each group not served here; its answer counts as seen. */
    private void probePartner(long nowNanos, PacketSink sink) {
        PartnerWatch watch = table.partnerWatch();
        if (watch.partnerMac() == 0 || watch.probeIntervalNanos() <= 0) {
            return;
        }
        if (probing && nowNanos - nextProbeAtNanos < 0) {
            return;
        }
        probing = true;
        nextProbeAtNanos = nowNanos + watch.probeIntervalNanos();
        for (int g = 0; g < PartnerWatch.MAX_GROUPS; g++) {
            int vip = watch.probeTarget(g);
            if (vip != 0 && sendArp(watch.partnerMac(), ArpPacket.OP_REQUEST, table.ownIp(), 0, vip, sink)) {
                PROBES_SENT.setOpaque(this, probesSent + 1);
            }
        }
    }

    /** How often the partner's MAC claimed a VIP of {@code group} (any thread). */
    public long partnerSeen(int group) {
        return (long) LONGS.getAcquire(partnerSeen, group);
    }

    /** Probes sent to the partner (any thread). */
    public long partnerProbesSent() {
        return (long) PROBES_SENT.getAcquire(this);
    }

    private void recordConflict(long mac, int ip) {
        long sequence = conflictSequence;
        CONFLICT_SEQUENCE.setOpaque(this, sequence + 1);
        // The odd sequence becomes visible before either field changes.
        VarHandle.storeStoreFence();
        LAST_CONFLICT_MAC.setOpaque(this, mac);
        LAST_CONFLICT_IP.setOpaque(this, ip);
        CONFLICT_SEQUENCE.setRelease(this, sequence + 2);
    }

    public long requestsAnswered() {
        return (long) REQUESTS_ANSWERED.getAcquire(this);
    }

    public long gratuitousSent() {
        return (long) GRATUITOUS_SENT.getAcquire(this);
    }

    public long requestsSent() {
        return (long) REQUESTS_SENT.getAcquire(this);
    }

    public long conflicts() {
        return ((long) CONFLICT_SEQUENCE.getAcquire(this)) >>> 1;
    }

    /** The last conflict and the count with it, never torn; any thread (allocates: control path). */
    public Conflict lastConflict() {
        while (true) {
            long before = (long) CONFLICT_SEQUENCE.getAcquire(this);
            long mac = (long) LAST_CONFLICT_MAC.getOpaque(this);
            int ip = (int) LAST_CONFLICT_IP.getOpaque(this);
            VarHandle.loadLoadFence();
            long after = (long) CONFLICT_SEQUENCE.getOpaque(this);
            if (before == after && (before & 1) == 0) {
                return new Conflict(before >>> 1, mac, ip);
            }
            Thread.onSpinWait();
        }
    }
}
