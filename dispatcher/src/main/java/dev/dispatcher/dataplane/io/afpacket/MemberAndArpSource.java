package dev.dispatcher.dataplane.io.afpacket;

import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketSource;

/**
 * The source of the worker that owns ARP in fanout mode: its own member of the fanout group and
 * the ARP socket outside the group, read by that one thread, so the ARP agent and the neighbour
 * table keep a single writer.
 *
 * <p>Why one source over two rings rather than a second thread or a shared ring: ARP frames are
 * few, and a thread of their own would need a hand-off to the owner of the ARP state. Here each
 * poll first takes what the ARP ring holds (without waiting: it is usually empty), then the
 * member's ring; only when both are empty does it sleep, in a single poll() on the member socket,
 * its wake-up eventfd and the ARP socket ({@link PacketSocket#alsoAwait}), so an ARP request
 * wakes the worker as fast as a data frame. A poll woken by the ARP socket takes its frames at
 * once. With busy polling the member's ring is spun on alone: an ARP frame that arrives then
 * waits at most until the spin ends (the busy-poll window), which ARP's second-scale retries
 * easily absorb.
 *
 * <p>Replies to ARP go out through the worker's sink, the member socket's TX ring. Frames of both
 * rings are handed over in place, one at a time, exactly as by a single {@link AfPacketBackend.RingSource}.
 */
public final class MemberAndArpSource implements PacketSource {
    private final AfPacketBackend.RingSource member;
    private final AfPacketBackend.RingSource arp;

    MemberAndArpSource(AfPacketBackend.RingSource member, AfPacketBackend.RingSource arp) {
        this.member = member;
        this.arp = arp;
    }

    @Override
    public int poll(FrameHandler handler, int maxFrames) {
        int fromArp = arp.poll(handler, maxFrames, false);
        if (fromArp >= maxFrames) {
            return fromArp;
        }
        // Waits (on both sockets) only when the ARP ring had nothing: otherwise forward what came.
        int fromMember = member.poll(handler, maxFrames - fromArp, fromArp == 0);
        if (fromArp == 0 && fromMember == 0) {
            // The wait may have ended because of the ARP socket: take its frames now, not a
            // poll timeout later.
            fromArp = arp.poll(handler, maxFrames, false);
        }
        return fromArp + fromMember;
    }

    @Override
    public long nowNanos() {
        return member.nowNanos();
    }

    @Override
    public long kernelDrops() {
        return member.kernelDrops() + arp.kernelDrops();
    }

    @Override
    public long checksumNotReadyFrames() {
        return member.checksumNotReadyFrames() + arp.checksumNotReadyFrames();
    }

    /** Frames captured shorter than on the wire, on both rings. */
    public long truncatedFrames() {
        return member.truncatedFrames() + arp.truncatedFrames();
    }

    @Override
    public void wakeup() {
        member.wakeup();
    }

    @Override
    public void close() {
        // The backend owns both sockets and closes them after the pipeline has stopped.
    }
}
