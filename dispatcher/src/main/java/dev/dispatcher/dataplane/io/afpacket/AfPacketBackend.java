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
 * Memory-mapped AF_PACKET (TPACKET_V2) on one interface. The capture socket has an RX ring and a TX
 * ring in one mapping; the source hands each RX slot to the frame handler in place and gives it back
 * to the kernel when the handler returns. A sink copies frames into TX slots and asks the kernel to
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
    private final long busyPollNanos;
    private final List<ClassicBpf.Instruction> filter;
    private final List<PacketSocket> sockets = new ArrayList<>();
    private PacketSocket capture;
    private boolean captureSinkTaken;

    /**
     * @param filter the capture filter, usually {@link ClassicBpf#captureFilter}
     */
    public AfPacketBackend(String interfaceName, int snaplen, int bufferBytes, int pollTimeoutMillis,
                           List<ClassicBpf.Instruction> filter) {
        this(interfaceName, snaplen, bufferBytes, pollTimeoutMillis, 0, filter);
    }

    /**
     * @param busyPollNanos how long an empty RX ring is polled after the last frame before the
     *     receive thread sleeps; 0 sleeps at once
     * @param filter the capture filter, usually {@link ClassicBpf#captureFilter}
     */
    public AfPacketBackend(String interfaceName, int snaplen, int bufferBytes, int pollTimeoutMillis,
                           long busyPollNanos, List<ClassicBpf.Instruction> filter) {
        this.busyPollNanos = busyPollNanos;
        this.interfaceName = interfaceName;
        this.snaplen = snaplen;
        this.bufferBytes = bufferBytes;
        this.pollTimeoutMillis = pollTimeoutMillis;
        this.filter = List.copyOf(filter);
    }

    /** Opens the capture socket now, so that permission and interface errors surface at start. */
    public synchronized void open() throws PacketIoException {
        if (capture == null) {
            capture = PacketSocket.open(interfaceName, RingGeometry.forBytes(bufferBytes, snaplen),
                    RingGeometry.forFrames(TX_FRAMES, snaplen), filter);
            sockets.add(capture);
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
        return new RingSource(capture, pollTimeoutMillis, busyPollNanos);
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
                    ClassicBpf.dropAll());
            sockets.add(sender);
            return new RingSink(sender);
        } catch (PacketIoException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
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
        return "afpacket (TPACKET_V2 rings) on " + interfaceName;
    }

    /** Closes every socket; call after the threads using them have stopped. */
    @Override
    public synchronized void close() {
        for (PacketSocket socket : sockets) {
            socket.close();
        }
        sockets.clear();
        capture = null;
        captureSinkTaken = false;
    }

    /** Reads the RX ring. Polled by one thread. */
    public static final class RingSource implements PacketSource {
        private static final int ETHER_ADDRESSES = 12;
        private static final int VLAN_TAG = 4;

        private final PacketSocket socket;
        private final MemorySegment ring;
        private final long[] slots;
        private final int pollTimeoutMillis;
        private final long busyPollNanos;
        private final PacketBuffer buffer = new PacketBuffer();
        private final PacketBuffer scratch;
        private int next;
        private long lastFrameNanos;
        private long truncatedFrames;
        private long checksumNotReadyFrames;
        private long vlanTagsRestored;

        RingSource(PacketSocket socket, int pollTimeoutMillis, long busyPollNanos) {
            this(socket, socket.map(), socket.rxGeometry(), pollTimeoutMillis, busyPollNanos);
        }

        /** Over any ring-shaped memory; {@code socket} null (tests) means an empty ring is not waited on. */
        RingSource(PacketSocket socket, MemorySegment ring, RingGeometry geometry, int pollTimeoutMillis,
                   long busyPollNanos) {
            this.socket = socket;
            this.busyPollNanos = busyPollNanos;
            // "Long ago": no spinning until the first frame has arrived.
            this.lastFrameNanos = System.nanoTime() - Long.MAX_VALUE / 2;
            this.ring = ring;
            this.slots = geometry.frameOffsets(0);
            this.pollTimeoutMillis = pollTimeoutMillis;
            this.scratch = PacketBuffer.ofArray(new byte[geometry.frameSize() + VLAN_TAG]);
        }

        @Override
        public int poll(FrameHandler handler, int maxFrames) {
            long now = System.nanoTime();
            int delivered = 0;
            boolean waited = false;
            while (delivered < maxFrames) {
                long slot = slots[next];
                int status = (int) Native.STATUS.getAcquire(ring, slot);
                if ((status & Native.TP_STATUS_USER) == 0) {
                    if (delivered == 0 && !waited && busyPollNanos > 0 && spinFor(slot)) {
                        now = System.nanoTime();
                        continue;
                    }
                    if (delivered > 0 || waited || socket == null || !socket.await(pollTimeoutMillis)) {
                        break;
                    }
                    waited = true;
                    now = System.nanoTime();
                    continue;
                }
                try {
                    deliver(handler, slot, status, now);
                } finally {
                    Native.STATUS.setRelease(ring, slot, Native.TP_STATUS_KERNEL);
                    if (++next == slots.length) {
                        next = 0;
                    }
                }
                delivered++;
            }
            if (delivered > 0) {
                lastFrameNanos = now;
            }
            return delivered;
        }

        /**
         * Polls the status word of {@code slot} until the kernel hands it over or {@code busyPollNanos}
         * have passed since the last frame; true when a frame arrived.
         */
        private boolean spinFor(long slot) {
            long deadline = lastFrameNanos + busyPollNanos;
            while (System.nanoTime() - deadline < 0) {
                if (((int) Native.STATUS.getAcquire(ring, slot) & Native.TP_STATUS_USER) != 0) {
                    return true;
                }
                Thread.onSpinWait();
            }
            return false;
        }

        private void deliver(FrameHandler handler, long slot, int status, long now) {
            int wireLength = ring.get(ValueLayout.JAVA_INT, slot + Native.TP_LEN);
            int captured = ring.get(ValueLayout.JAVA_INT, slot + Native.TP_SNAPLEN);
            long data = slot + Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, slot + Native.TP_MAC));
            if (captured < wireLength) {
                truncatedFrames++;
            }
            if ((status & Native.TP_STATUS_CSUMNOTREADY) != 0) {
                checksumNotReadyFrames++;
            }
            if ((status & Native.TP_STATUS_VLAN_VALID) != 0 && captured >= ETHER_ADDRESSES) {
                // The kernel took the outer 802.1Q tag out of the frame; put it back so the forwarder
                // sees (and sends) the frame as it was on the wire. Costs one copy of this frame.
                int tpid = (status & Native.TP_STATUS_VLAN_TPID_VALID) != 0
                        ? Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, slot + Native.TP_VLAN_TPID))
                        : ClassicBpf.ETHERTYPE_VLAN;
                int tci = Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, slot + Native.TP_VLAN_TCI));
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

    /** Writes the TX ring of one socket. Owned by one thread. */
    public static final class RingSink implements PacketSink {
        private final PacketSocket socket;
        private final MemorySegment ring;
        private final long[] slots;
        private final int capacity;
        private int next;
        private int queued;

        RingSink(PacketSocket socket) {
            this(socket, socket.map(), socket.txGeometry(), socket.txRingOffset());
        }

        /** Over any ring-shaped memory; {@code socket} null (tests) means nothing is kicked. */
        RingSink(PacketSocket socket, MemorySegment ring, RingGeometry geometry, long ringOffset) {
            this.socket = socket;
            this.ring = ring;
            this.slots = geometry.frameOffsets(ringOffset);
            this.capacity = geometry.frameSize() - Native.TX_DATA_OFFSET;
        }

        @Override
        public boolean send(PacketBuffer frame) {
            int length = frame.length();
            if (length > capacity) {
                return false;
            }
            long slot = slots[next];
            if ((int) Native.STATUS.getAcquire(ring, slot) != Native.TP_STATUS_AVAILABLE) {
                // Ring full of frames still in flight: send what is queued and wait for it to finish.
                if (socket != null) {
                    socket.kick(true);
                }
                queued = 0;
                if ((int) Native.STATUS.getAcquire(ring, slot) != Native.TP_STATUS_AVAILABLE) {
                    return false;
                }
            }
            MemorySegment.copy(frame.segment(), frame.offset(), ring, slot + Native.TX_DATA_OFFSET, length);
            ring.set(ValueLayout.JAVA_INT, slot + Native.TP_LEN, length);
            Native.STATUS.setRelease(ring, slot, Native.TP_STATUS_SEND_REQUEST);
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
