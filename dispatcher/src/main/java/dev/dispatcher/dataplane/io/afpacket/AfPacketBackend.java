package dev.dispatcher.dataplane.io.afpacket;

import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketIoBackend;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.packet.PacketBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory-mapped AF_PACKET (TPACKET_V2, or TPACKET_V3 for RX in blocks, see {@link TpacketVersion})
 * on one interface. The capture socket has an RX ring and a TX ring in one mapping; the source
 * hands each RX slot to the frame handler in place and gives it back to the kernel when the handler
 * returns. A sink copies frames into TX slots and asks the kernel to
 * send them with one {@code send()} per batch. A worker that does not poll the source gets its own
 * send-only socket with its own TX ring.
 *
 * <p>Per frame: no allocation, no system call on receive while the ring has frames, one copy on
 * send (the pipeline's buffer into the TX slot). Frames the kernel flags as checksum-not-ready
 * (TP_STATUS_CSUMNOTREADY: locally generated on this host, partial checksum) are passed on as they
 * are and counted: the forwarder checks the checksum of every new flow's first packet, so a flow
 * that starts with such a frame ends as bad_checksum; {@link RingSource#checksumNotReadyFrames}
 * counts them all. Frames captured shorter than their wire length arrive with the wire length, so
 * the forwarder counts them as capture_truncated.
 */
public final class AfPacketBackend implements PacketIoBackend {
    /** TX slots per socket: two of the largest batches, so one in flight never blocks the next. */
    static final int TX_FRAMES = 2048;

    private final String interfaceName;
    private final int snaplen;
    private final int bufferBytes;
    private final int pollTimeoutMillis;
    private final TpacketVersion version;
    private final int blockTimeoutMillis;
    private final long busyPollNanos;
    private final List<ClassicBpf.Instruction> filter;
    /** Our MAC and the VIPs, from which the filters are built; ownMac -1 when built with a fixed filter. */
    private final long ownMac;
    private int[] vips;
    private final List<PacketSocket> sockets = new ArrayList<>();
    private final List<PacketSocket> fanout = new ArrayList<>();
    private PacketSocket arpSocket;
    private PacketSocket capture;
    private boolean captureSinkTaken;

    /**
     * @param filter the capture filter, usually {@link ClassicBpf#captureFilter}
     */
    public AfPacketBackend(String interfaceName, int snaplen, int bufferBytes, int pollTimeoutMillis,
                           List<ClassicBpf.Instruction> filter) {
        this(interfaceName, snaplen, bufferBytes, pollTimeoutMillis, filter, TpacketVersion.V2, 0, 0);
    }

    /**
     * @param version            the ring format of every socket
     * @param blockTimeoutMillis with {@link TpacketVersion#V3}: how long the kernel fills an RX
     *                           block before handing it over part-full (tp_retire_blk_tov, at least 1)
     * @param busyPollNanos      how long an empty RX ring is polled after the last frame before the
     *                           receive thread sleeps; 0 sleeps at once
     */
    public AfPacketBackend(String interfaceName, int snaplen, int bufferBytes, int pollTimeoutMillis,
                           List<ClassicBpf.Instruction> filter, TpacketVersion version, int blockTimeoutMillis,
                           long busyPollNanos) {
        this(interfaceName, snaplen, bufferBytes, pollTimeoutMillis, filter, version, blockTimeoutMillis, busyPollNanos,
                -1, new int[0]);
    }

    /**
     * A backend whose filters take ARP and IPv4 to {@code vips}, never a frame from {@code ownMac},
     * and follow the VIPs ({@link #followVips}); the other parameters as above.
     */
    public AfPacketBackend(String interfaceName, int snaplen, int bufferBytes, int pollTimeoutMillis, long ownMac,
                           int[] vips, TpacketVersion version, int blockTimeoutMillis, long busyPollNanos) {
        this(interfaceName, snaplen, bufferBytes, pollTimeoutMillis, ClassicBpf.captureFilter(vips, ownMac, snaplen),
                version, blockTimeoutMillis, busyPollNanos, ownMac, vips);
    }

    private AfPacketBackend(String interfaceName, int snaplen, int bufferBytes, int pollTimeoutMillis,
                            List<ClassicBpf.Instruction> filter, TpacketVersion version, int blockTimeoutMillis,
                            long busyPollNanos, long ownMac, int[] vips) {
        this.ownMac = ownMac;
        this.vips = vips.clone();
        if (version == TpacketVersion.V3 && blockTimeoutMillis < 1) {
            throw new IllegalArgumentException("TPACKET_V3 needs a block retire timeout of at least 1 ms");
        }
        this.interfaceName = interfaceName;
        this.snaplen = snaplen;
        this.bufferBytes = bufferBytes;
        this.pollTimeoutMillis = pollTimeoutMillis;
        this.filter = List.copyOf(filter);
        this.version = version;
        this.blockTimeoutMillis = blockTimeoutMillis;
        this.busyPollNanos = busyPollNanos;
    }

    /** Opens the capture socket now, so that permission and interface errors surface at start. */
    public synchronized void open() throws PacketIoException {
        if (capture == null) {
            capture = PacketSocket.open(interfaceName, RingGeometry.forBytes(bufferBytes, snaplen),
                    RingGeometry.forFrames(TX_FRAMES, snaplen), filter, version, blockTimeoutMillis);
            sockets.add(capture);
        }
    }

    /** One member of a fanout group: a socket with its RX source and TX sink, for one worker. */
    public record FanoutMember(RingSource source, RingSink sink) {
    }

    /**
     * Opens {@code members} sockets (RX and TX rings each) in one PACKET_FANOUT_CBPF group with
     * DEFRAG, each with {@code filter} (usually {@link ClassicBpf.Capture#VIPS}). The group's
     * steering program ({@link ClassicBpf#steering}) computes each frame's flow owner exactly as
     * {@code FlowKey.shard} does, so the member that receives a flow is the worker the control plane
     * computes for it, and each worker that polls one member sees whole flows. Every socket joins
     * with a drop-all filter and all get {@code filter} only once the group is complete and steered:
     * while members join, the member count (and so which member a flow goes to) changes, and a flow
     * seen then could start on two workers. Independent of the capture socket.
     */
    public synchronized List<FanoutMember> openFanout(int members, List<ClassicBpf.Instruction> filter)
            throws PacketIoException {
        List<FanoutMember> group = new ArrayList<>();
        int groupId = -1;
        for (int i = 0; i < members; i++) {
            PacketSocket socket = PacketSocket.open(interfaceName, RingGeometry.forBytes(bufferBytes, snaplen),
                    RingGeometry.forFrames(TX_FRAMES, snaplen), ClassicBpf.dropAll(), version, blockTimeoutMillis);
            sockets.add(socket);
            fanout.add(socket);
            groupId = socket.joinFanout(groupId);
            group.add(new FanoutMember(source(socket), new RingSink(socket)));
        }
        fanout.getFirst().setFanoutProgram(ClassicBpf.steering());
        for (PacketSocket member : fanout) {
            member.replaceFilter(filter);
        }
        return group;
    }

    /** RX ring bytes of the ARP socket: ARP is rare, a small ring holds thousands of requests. */
    static final int ARP_RING_BYTES = 1 << 20;

    /**
     * Opens the ARP socket of fanout mode: outside the group, RX only, with {@code filter} (usually
     * {@link ClassicBpf.Capture#ARP}), so that every ARP frame reaches the one worker that owns the
     * ARP agent whatever the group's hash says. Its replies go out through that worker's own sink.
     * Read it together with that worker's member through {@link #withArp}.
     */
    public synchronized RingSource openArpSource(List<ClassicBpf.Instruction> filter) throws PacketIoException {
        if (arpSocket != null) {
            throw new IllegalStateException("the ARP socket is already open");
        }
        arpSocket = PacketSocket.open(interfaceName,
                RingGeometry.forBytes(Math.min(bufferBytes, ARP_RING_BYTES), snaplen),
                null, filter, version, blockTimeoutMillis);
        sockets.add(arpSocket);
        return source(arpSocket);
    }

    /**
     * One source over a fanout member and the ARP socket, for the worker that owns ARP: one
     * poll() waits on both (see {@link MemberAndArpSource}). Call before the worker's thread starts.
     */
    public static PacketSource withArp(RingSource member, RingSource arp) {
        member.socket.alsoAwait(arp.socket);
        return new MemberAndArpSource(member, arp);
    }

    /**
     * Every open socket's filter now lets through ARP and the frames for {@code vips}: the capture
     * socket, or in fanout mode the group's members (VIPs) and the ARP socket.
     */
    @Override
    public synchronized void followVips(int[] newVips) throws PacketIoException {
        if (ownMac < 0) {
            throw new IllegalStateException("this backend was built with a fixed filter");
        }
        this.vips = newVips.clone();
        updateFilter(ClassicBpf.captureFilter(vips, ownMac, snaplen));
        updateFanoutFilter(ClassicBpf.captureFilter(vips, ownMac, snaplen, ClassicBpf.Capture.VIPS));
        updateArpFilter(ClassicBpf.captureFilter(vips, ownMac, snaplen, ClassicBpf.Capture.ARP));
    }

    /**
     * Fanout mode: the steered group of one socket per worker (the VIPs' frames only) and the ARP
     * socket outside it, read by worker 0 beside its member, so that every ARP frame reaches the
     * one worker that owns the ARP agent, whichever member the steering picked.
     */
    @Override
    public synchronized List<WorkerIo> openFanout(int workers) throws PacketIoException {
        if (ownMac < 0) {
            throw new IllegalStateException("this backend was built with a fixed filter");
        }
        List<FanoutMember> group = openFanout(workers, ClassicBpf.captureFilter(vips, ownMac, snaplen,
                ClassicBpf.Capture.VIPS));
        RingSource arp = openArpSource(ClassicBpf.captureFilter(vips, ownMac, snaplen, ClassicBpf.Capture.ARP));
        List<WorkerIo> io = new ArrayList<>();
        for (FanoutMember member : group) {
            io.add(new WorkerIo(io.isEmpty() ? withArp(member.source(), arp) : member.source(), member.sink()));
        }
        return io;
    }

    /** Replaces the ARP socket's filter (it names the VIPs), e.g. when a reload adds a VIP. */
    public synchronized void updateArpFilter(List<ClassicBpf.Instruction> newFilter) throws PacketIoException {
        if (arpSocket != null) {
            arpSocket.replaceFilter(newFilter);
        }
    }

    /** Replaces the filter of every fanout member, e.g. when a reload adds a VIP. */
    public synchronized void updateFanoutFilter(List<ClassicBpf.Instruction> newFilter) throws PacketIoException {
        for (PacketSocket socket : fanout) {
            socket.replaceFilter(newFilter);
        }
    }

    /**
     * Replaces the capture filter of the open capture socket, e.g. when a reload adds a VIP. Frames
     * already in the ring stay; each later frame meets the old filter or the new one.
     */
    public synchronized void updateFilter(List<ClassicBpf.Instruction> newFilter) throws PacketIoException {
        if (capture != null) {
            capture.replaceFilter(newFilter);
        }
    }

    @Override
    public synchronized RingSource openSource() {
        openOrFail();
        return source(capture);
    }

    @Override
    public synchronized RingSink openSink(boolean sameThreadAsSource) {
        if (sameThreadAsSource && !captureSinkTaken) {
            openOrFail();
            captureSinkTaken = true;
            return new RingSink(capture);
        }
        try {
            PacketSocket sender = PacketSocket.open(interfaceName, null, RingGeometry.forFrames(TX_FRAMES, snaplen),
                    ClassicBpf.dropAll(), version, blockTimeoutMillis);
            sockets.add(sender);
            return new RingSink(sender);
        } catch (PacketIoException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private RingSource source(PacketSocket socket) {
        return version == TpacketVersion.V3
                ? new BlockRingSource(socket, pollTimeoutMillis, busyPollNanos)
                : new FrameRingSource(socket, pollTimeoutMillis, busyPollNanos);
    }

    private void openOrFail() {
        try {
            open();
        } catch (PacketIoException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public String description() {
        return "afpacket (" + (version == TpacketVersion.V3
                ? "TPACKET_V3: RX in blocks retired after " + blockTimeoutMillis + " ms"
                : "TPACKET_V2: RX per frame") + ") on " + interfaceName;
    }

    /** Closes every socket; call after the threads using them have stopped. */
    @Override
    public synchronized void close() {
        for (PacketSocket socket : sockets) {
            socket.close();
        }
        sockets.clear();
        fanout.clear();
        arpSocket = null;
        capture = null;
        captureSinkTaken = false;
    }

    /**
     * Reads the RX ring of one socket, polled by one thread: {@link FrameRingSource} for TPACKET_V2,
     * {@link BlockRingSource} for TPACKET_V3. Both hand each frame over in place, put back an 802.1Q
     * tag the kernel took out, and count frames captured shorter than on the wire and frames flagged
     * checksum-not-ready.
     */
    public abstract static sealed class RingSource implements PacketSource permits FrameRingSource, BlockRingSource {
        private static final int ETHER_ADDRESSES = 12;
        private static final int VLAN_TAG = 4;

        final PacketSocket socket;
        final MemorySegment ring;
        final int pollTimeoutMillis;
        private final long busyPollNanos;
        private long lastFrameNanos;
        private final PacketBuffer buffer = new PacketBuffer();
        private final PacketBuffer scratch;
        private long truncatedFrames;
        private long checksumNotReadyFrames;
        private long vlanTagsRestored;

        RingSource(PacketSocket socket, MemorySegment ring, int largestFrame, int pollTimeoutMillis,
                   long busyPollNanos) {
            this.socket = socket;
            this.busyPollNanos = busyPollNanos;
            // "Long ago": no spinning until the first frame has arrived.
            this.lastFrameNanos = System.nanoTime() - Long.MAX_VALUE / 2;
            this.ring = ring;
            this.pollTimeoutMillis = pollTimeoutMillis;
            this.scratch = PacketBuffer.ofArray(new byte[largestFrame + VLAN_TAG]);
        }

        /**
         * Hands one frame to the handler. {@code data} is where its Ethernet header lies in the ring,
         * {@code status} its status bits, {@code tciAt}/{@code tpidAt} where the kernel put a VLAN tag
         * it took out of the frame.
         */
        final void deliver(FrameHandler handler, long data, int captured, int wireLength, int status, long tciAt,
                           long tpidAt, long now) {
            if (captured < wireLength) {
                truncatedFrames++;
            }
            if ((status & Native.TP_STATUS_CSUMNOTREADY) != 0) {
                checksumNotReadyFrames++;
            }
            if ((status & Native.TP_STATUS_VLAN_VALID) != 0 && captured >= ETHER_ADDRESSES
                    && captured + VLAN_TAG <= scratch.capacity()) {
                // The kernel took the outer 802.1Q tag out of the frame; put it back so the forwarder
                // sees (and sends) the frame as it was on the wire. Costs one copy of this frame.
                int tpid = (status & Native.TP_STATUS_VLAN_TPID_VALID) != 0
                        ? Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, tpidAt))
                        : ClassicBpf.ETHERTYPE_VLAN;
                int tci = Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, tciAt));
                MemorySegment target = scratch.segment();
                MemorySegment.copy(ring, data, target, 0, ETHER_ADDRESSES);
                scratch.wrap(target, 0, captured + VLAN_TAG);
                scratch.putU16(ETHER_ADDRESSES, tpid);
                scratch.putU16(ETHER_ADDRESSES + 2, tci);
                MemorySegment.copy(ring, data + ETHER_ADDRESSES, target, ETHER_ADDRESSES + VLAN_TAG,
                        captured - ETHER_ADDRESSES);
                vlanTagsRestored++;
                handler.onFrame(scratch, wireLength + VLAN_TAG, now);
                return;
            }
            buffer.wrap(ring, data, captured);
            handler.onFrame(buffer, wireLength, now);
        }

        /**
         * The ring is empty at the status word {@code statusAt}. Unless this poll already delivered
         * or waited: spins on that word for the busy-poll window, then sleeps in poll() for up to
         * the poll timeout. True when the status word is worth reading again, false when the poll
         * should end. Both ring formats call this one method, so they wait alike, and count either
         * outcome as the poll's one wait (after a frame arrived while spinning, the poll delivers it,
         * and a poll that delivered ends at the next empty slot anyway).
         */
        final boolean awaitFrame(long statusAt, int delivered, boolean waited) {
            if (delivered > 0 || waited) {
                return false;
            }
            return spin(statusAt) || (socket != null && socket.await(pollTimeoutMillis));
        }

        /**
         * Polls the status word at {@code statusAt} until the kernel hands it over (true) or
         * {@code busyPollNanos} have passed since the last frame (false): saves the thread wake-up
         * for frames that follow soon.
         */
        private boolean spin(long statusAt) {
            if (busyPollNanos == 0) {
                return false;
            }
            long deadline = lastFrameNanos + busyPollNanos;
            // Never longer than one poll timeout per poll, so timers, table updates and stop()
            // still get their turn when busy-poll is set above poll-timeout.
            long cap = System.nanoTime() + pollTimeoutMillis * 1_000_000L;
            if (deadline - cap > 0) {
                deadline = cap;
            }
            while (System.nanoTime() - deadline < 0) {
                if (((int) Native.STATUS.getAcquire(ring, statusAt) & Native.TP_STATUS_USER) != 0) {
                    return true;
                }
                Thread.onSpinWait();
            }
            return false;
        }

        /**
         * Ends a poll: with busy polling, remembers when the last frame was handled (the window
         * runs from there, so a long batch does not eat into it); returns {@code delivered}.
         */
        final int polled(int delivered) {
            if (delivered > 0 && busyPollNanos > 0) {
                lastFrameNanos = System.nanoTime();
            }
            return delivered;
        }

        @Override
        public final int poll(FrameHandler handler, int maxFrames) {
            return poll(handler, maxFrames, true);
        }

        /**
         * As {@link #poll(FrameHandler, int)}; with {@code mayWait} false it neither spins nor
         * sleeps on an empty ring but returns at once (a caller that has other frames to forward).
         */
        abstract int poll(FrameHandler handler, int maxFrames, boolean mayWait);

        @Override
        public long nowNanos() {
            return System.nanoTime();
        }

        @Override
        public long kernelDrops() {
            return socket == null ? 0 : socket.drops();
        }

        @Override
        public void wakeup() {
            if (socket != null) {
                socket.wakeup();
            }
        }

        /** Frames captured shorter than on the wire (GRO/LRO, or larger than a ring slot). */
        public long truncatedFrames() {
            return truncatedFrames;
        }

        /** Frames flagged TP_STATUS_CSUMNOTREADY (partial checksum, sent by this host). */
        @Override
        public long checksumNotReadyFrames() {
            return checksumNotReadyFrames;
        }

        /** Frames whose 802.1Q tag the kernel had taken out and we put back. */
        public long vlanTagsRestored() {
            return vlanTagsRestored;
        }

        @Override
        public void close() {
            // The backend owns the socket and closes it after the pipeline has stopped.
        }
    }

    /**
     * TPACKET_V2 RX: a ring of fixed slots, each with its own status word. A slot is ours while
     * TP_STATUS_USER is set (read with acquire: the kernel's write barrier orders the frame before
     * it) and goes back with a release store of TP_STATUS_KERNEL once the handler returned.
     */
    static final class FrameRingSource extends RingSource {
        private final long[] slots;
        private int next;

        FrameRingSource(PacketSocket socket, int pollTimeoutMillis, long busyPollNanos) {
            this(socket, socket.map(), socket.rxGeometry(), pollTimeoutMillis, busyPollNanos);
        }

        /** Over any ring-shaped memory; {@code socket} null (tests) means an empty ring is not waited on. */
        FrameRingSource(PacketSocket socket, MemorySegment ring, RingGeometry geometry, int pollTimeoutMillis,
                        long busyPollNanos) {
            super(socket, ring, geometry.frameSize(), pollTimeoutMillis, busyPollNanos);
            this.slots = geometry.frameOffsets(0);
        }

        @Override
        int poll(FrameHandler handler, int maxFrames, boolean mayWait) {
            long now = System.nanoTime();
            int delivered = 0;
            // Not allowed to wait: as if it had waited already, so an empty ring ends the poll.
            boolean waited = !mayWait;
            while (delivered < maxFrames) {
                long slot = slots[next];
                int status = (int) Native.STATUS.getAcquire(ring, slot + Native.TP_STATUS);
                if ((status & Native.TP_STATUS_USER) == 0) {
                    if (!awaitFrame(slot + Native.TP_STATUS, delivered, waited)) {
                        break;
                    }
                    waited = true;
                    now = System.nanoTime();
                    continue;
                }
                try {
                    int wireLength = ring.get(ValueLayout.JAVA_INT, slot + Native.TP_LEN);
                    int captured = ring.get(ValueLayout.JAVA_INT, slot + Native.TP_SNAPLEN);
                    long data = slot + Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, slot + Native.TP_MAC));
                    deliver(handler, data, captured, wireLength, status, slot + Native.TP_VLAN_TCI,
                            slot + Native.TP_VLAN_TPID, now);
                } finally {
                    Native.STATUS.setRelease(ring, slot + Native.TP_STATUS, Native.TP_STATUS_KERNEL);
                    if (++next == slots.length) {
                        next = 0;
                    }
                }
                delivered++;
            }
            return polled(delivered);
        }
    }

    /**
     * TPACKET_V3 RX: a ring of blocks, each holding a variable number of frames. A block is ours
     * while its block_status has TP_STATUS_USER (read with acquire); its frames are walked from
     * offset_to_first_pkt by each tpacket3_hdr's tp_next_offset, and the whole block goes back with
     * a release store of TP_STATUS_KERNEL after its last frame. A poll that stops at
     * {@code maxFrames} keeps its place inside the block for the next poll.
     */
    static final class BlockRingSource extends RingSource {
        private final long[] blocks;
        private int next;
        /** Frames of the current block not yet delivered; 0 when no block is held. */
        private int left;
        /** Offset in the ring of the next frame header of the current block. */
        private long frame;

        BlockRingSource(PacketSocket socket, int pollTimeoutMillis, long busyPollNanos) {
            this(socket, socket.map(), socket.rxGeometry(), pollTimeoutMillis, busyPollNanos);
        }

        /** Over any ring-shaped memory; {@code socket} null (tests) means an empty ring is not waited on. */
        BlockRingSource(PacketSocket socket, MemorySegment ring, RingGeometry geometry, int pollTimeoutMillis,
                        long busyPollNanos) {
            super(socket, ring, geometry.blockSize(), pollTimeoutMillis, busyPollNanos);
            this.blocks = new long[geometry.blockCount()];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = (long) i * geometry.blockSize();
            }
        }

        @Override
        int poll(FrameHandler handler, int maxFrames, boolean mayWait) {
            long now = System.nanoTime();
            int delivered = 0;
            // Not allowed to wait: as if it had waited already, so an empty ring ends the poll.
            boolean waited = !mayWait;
            while (delivered < maxFrames) {
                if (left == 0) {
                    long block = blocks[next];
                    int status = (int) Native.STATUS.getAcquire(ring, block + Native.BLOCK_STATUS);
                    if ((status & Native.TP_STATUS_USER) == 0) {
                        if (!awaitFrame(block + Native.BLOCK_STATUS, delivered, waited)) {
                            break;
                        }
                        waited = true;
                        now = System.nanoTime();
                        continue;
                    }
                    left = ring.get(ValueLayout.JAVA_INT, block + Native.BLOCK_NUM_PKTS);
                    frame = block
                            + Integer.toUnsignedLong(ring.get(ValueLayout.JAVA_INT, block + Native.BLOCK_FIRST_PKT));
                    if (left <= 0) {
                        // Closed by the retire timer with nothing in it: give it straight back.
                        left = 0;
                        releaseBlock();
                        continue;
                    }
                }
                long header = frame;
                try {
                    int status = ring.get(ValueLayout.JAVA_INT, header + Native.TP3_STATUS);
                    int wireLength = ring.get(ValueLayout.JAVA_INT, header + Native.TP3_LEN);
                    int captured = ring.get(ValueLayout.JAVA_INT, header + Native.TP3_SNAPLEN);
                    long data = header + Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, header + Native.TP3_MAC));
                    deliver(handler, data, captured, wireLength, status, header + Native.TP3_VLAN_TCI,
                            header + Native.TP3_VLAN_TPID, now);
                } finally {
                    if (--left == 0) {
                        releaseBlock();
                    } else {
                        frame = header + Integer.toUnsignedLong(
                                ring.get(ValueLayout.JAVA_INT, header + Native.TP3_NEXT_OFFSET));
                    }
                }
                delivered++;
            }
            return polled(delivered);
        }

        private void releaseBlock() {
            Native.STATUS.setRelease(ring, blocks[next] + Native.BLOCK_STATUS, Native.TP_STATUS_KERNEL);
            if (++next == blocks.length) {
                next = 0;
            }
        }
    }

    /** Writes the TX ring of one socket. Owned by one thread. */
    public static final class RingSink implements PacketSink {
        private final PacketSocket socket;
        private final MemorySegment ring;
        private final long[] slots;
        private final int capacity;
        private final long statusOffset;
        private final long lengthOffset;
        private final int dataOffset;
        private int next;
        private int queued;

        RingSink(PacketSocket socket) {
            this(socket, socket.map(), socket.txGeometry(), socket.txRingOffset(), socket.version());
        }

        /** Over any ring-shaped memory; {@code socket} null (tests) means nothing is kicked. */
        RingSink(PacketSocket socket, MemorySegment ring, RingGeometry geometry, long ringOffset,
                 TpacketVersion version) {
            this.socket = socket;
            this.ring = ring;
            this.slots = geometry.frameOffsets(ringOffset);
            this.statusOffset = version.txStatusOffset;
            this.lengthOffset = version.txLengthOffset;
            this.dataOffset = version.txDataOffset;
            this.capacity = geometry.frameSize() - dataOffset;
        }

        @Override
        public boolean send(PacketBuffer frame) {
            int length = frame.length();
            if (length > capacity) {
                return false;
            }
            long slot = slots[next];
            long status = slot + statusOffset;
            if ((int) Native.STATUS.getAcquire(ring, status) != Native.TP_STATUS_AVAILABLE) {
                // Ring full of frames still in flight: send what is queued and wait for it to finish.
                if (socket != null) {
                    socket.kick(true);
                }
                queued = 0;
                if ((int) Native.STATUS.getAcquire(ring, status) != Native.TP_STATUS_AVAILABLE) {
                    return false;
                }
            }
            // (V3: tp_next_offset stays 0, as the kernel requires of TX frames; nothing writes it.)
            MemorySegment.copy(frame.segment(), frame.offset(), ring, slot + dataOffset, length);
            ring.set(ValueLayout.JAVA_INT, slot + lengthOffset, length);
            Native.STATUS.setRelease(ring, status, Native.TP_STATUS_SEND_REQUEST);
            if (++next == slots.length) {
                next = 0;
            }
            queued++;
            return true;
        }

        @Override
        public void flush() {
            if (queued > 0) {
                queued = 0;
                if (socket != null) {
                    socket.kick(false);
                }
            }
        }

        @Override
        public void close() {
            // Closed with the backend.
        }
    }
}
