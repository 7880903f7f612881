package dev.dispatcher.dataplane.io.pcap4j;

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
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.RawPacketListener;

/**
 * libpcap on a live interface through pcap4j. The capture handle uses immediate mode (TPACKET_V2,
 * per-frame wake-ups: block mode added 51 ms median latency here), inbound direction only (else
 * we would re-read our own sends) and a BPF filter limited to ARP and the VIPs. Each worker that
 * does not share the capture thread gets its own send-only handle.
 */
public final class PcapLiveBackend implements PacketIoBackend {
    /** A filter no frame matches, for send-only handles: they must not buffer captures. */
    private static final String MATCH_NOTHING = "less 1";

    private final String interfaceName;
    private final int snaplen;
    private final int bufferBytes;
    private final int pollTimeoutMillis;
    private final String filter;
    /** Our MAC, for the filter that keeps our own frames out; -1 when built with a fixed filter. */
    private final long ownMac;
    private final List<PcapHandle> handles = new ArrayList<>();
    private PcapHandle captureHandle;

    public PcapLiveBackend(String interfaceName, int snaplen, int bufferBytes, int pollTimeoutMillis, String filter) {
        this(interfaceName, snaplen, bufferBytes, pollTimeoutMillis, filter, -1);
    }

    /** A backend whose capture filter takes ARP and IPv4 to {@code vips}, and follows them ({@link #followVips}). */
    public PcapLiveBackend(String interfaceName, int snaplen, int bufferBytes, int pollTimeoutMillis, long ownMac,
                           int[] vips) {
        this(interfaceName, snaplen, bufferBytes, pollTimeoutMillis, PcapCaptureFilter.forVips(vips, ownMac), ownMac);
    }

    private PcapLiveBackend(String interfaceName, int snaplen, int bufferBytes, int pollTimeoutMillis, String filter,
                            long ownMac) {
        this.interfaceName = interfaceName;
        this.snaplen = snaplen;
        this.bufferBytes = bufferBytes;
        this.pollTimeoutMillis = pollTimeoutMillis;
        this.filter = filter;
        this.ownMac = ownMac;
    }

    @Override
    public void followVips(int[] vips) throws PacketIoException {
        if (ownMac < 0) {
            throw new IllegalStateException("this backend was built with a fixed filter");
        }
        updateFilter(PcapCaptureFilter.forVips(vips, ownMac));
    }

    /** Opens the capture handle now, so that permission and interface errors surface at start. */
    public void open() throws PacketIoException {
        if (captureHandle == null) {
            captureHandle = openHandle(filter, bufferBytes, snaplen);
        }
    }

    private PcapHandle openHandle(String bpf, int buffer, int snap) throws PacketIoException {
        try {
            PcapHandle handle = new PcapHandle.Builder(interfaceName)
                    .snaplen(snap)
                    .promiscuousMode(PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(pollTimeoutMillis)
                    .bufferSize(buffer)
                    .immediateMode(true)
                    .direction(PcapHandle.PcapDirection.IN)
                    .build();
            handles.add(handle);
            handle.setFilter(bpf, BpfProgram.BpfCompileMode.OPTIMIZE);
            return handle;
        } catch (PcapNativeException | NotOpenException | RuntimeException e) {
            throw new PacketIoException(PcapErrors.describe(interfaceName, e), e);
        }
    }

    /**
     * Replaces the capture filter on the running handle (a reload changed the VIPs). The kernel
     * swaps socket filters atomically, so no frame sees half a filter.
     */
    public void updateFilter(String bpf) throws PacketIoException {
        if (captureHandle == null) {
            return;
        }
        try {
            captureHandle.setFilter(bpf, BpfProgram.BpfCompileMode.OPTIMIZE);
        } catch (PcapNativeException | NotOpenException | RuntimeException e) {
            throw new PacketIoException(PcapErrors.describe(interfaceName, e), e);
        }
    }

    @Override
    public PacketSource openSource() {
        try {
            open();
        } catch (PacketIoException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return new LiveSource(captureHandle, snaplen);
    }

    @Override
    public PacketSink openSink(boolean sameThreadAsSource) {
        try {
            if (sameThreadAsSource) {
                open();
                return new HandleSink(captureHandle, snaplen);
            }
            return new HandleSink(openHandle(MATCH_NOTHING, 1 << 20, 64), snaplen);
        } catch (PacketIoException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public String description() {
        return "pcap4j (libpcap) on " + interfaceName;
    }

    @Override
    public void close() {
        for (PcapHandle handle : handles) {
            if (handle.isOpen()) {
                handle.close();
            }
        }
        handles.clear();
    }

    private static final class LiveSource implements PacketSource, RawPacketListener {
        private final PcapHandle handle;
        private final PacketBuffer buffer;
        private final MemorySegment segment;
        private FrameHandler handler;
        private long nowNanos;
        private volatile String error;

        LiveSource(PcapHandle handle, int snaplen) {
            this.handle = handle;
            this.segment = MemorySegment.ofArray(new byte[snaplen]);
            this.buffer = new PacketBuffer().wrap(segment, 0, 0);
        }

        @Override
        public int poll(FrameHandler frameHandler, int maxFrames) {
            this.handler = frameHandler;
            this.nowNanos = System.nanoTime();
            try {
                int n = handle.dispatch(maxFrames, this);
                return Math.max(n, 0);
            } catch (InterruptedException e) {
                // breakLoop() from wakeup(): the pipeline is stopping.
                return 0;
            } catch (PcapNativeException | NotOpenException e) {
                error = e.getMessage();
                return END_OF_STREAM;
            }
        }

        @Override
        public void gotPacket(byte[] packet) {
            int length = Math.min(packet.length, (int) segment.byteSize());
            MemorySegment.copy(packet, 0, segment, ValueLayout.JAVA_BYTE, 0, length);
            buffer.length(length);
            Integer original = handle.getOriginalLength();
            int wireLength = original == null ? packet.length : original;
            handler.onFrame(buffer, wireLength, nowNanos);
        }

        @Override
        public long nowNanos() {
            return System.nanoTime();
        }

        @Override
        public long kernelDrops() {
            try {
                PcapStat stats = handle.getStats();
                return stats.getNumPacketsDropped() + stats.getNumPacketsDroppedByIf();
            } catch (PcapNativeException | NotOpenException e) {
                return 0;
            }
        }

        @Override
        public void wakeup() {
            try {
                handle.breakLoop();
            } catch (NotOpenException e) {
                // Already closed: nothing to wake.
            }
        }

        @Override
        public void close() {
            // The backend owns the handle and closes it after the pipeline has stopped.
        }

        @Override
        public String failure() {
            return error == null ? null : "libpcap on the capture handle: " + error;
        }
    }

    private static final class HandleSink implements PacketSink {
        private final PcapHandle handle;
        private final byte[] bytes;
        private final MemorySegment segment;

        HandleSink(PcapHandle handle, int snaplen) {
            this.handle = handle;
            this.bytes = new byte[Math.max(snaplen, 2048)];
            this.segment = MemorySegment.ofArray(bytes);
        }

        @Override
        public boolean send(PacketBuffer frame) {
            int length = frame.length();
            if (length > bytes.length) {
                return false;
            }
            MemorySegment.copy(frame.segment(), frame.offset(), segment, 0, length);
            try {
                handle.sendPacket(bytes, length);
                return true;
            } catch (PcapNativeException | NotOpenException e) {
                return false;
            }
        }

        @Override
        public void flush() {
            // pcap_sendpacket sends at once; nothing is queued.
        }

        @Override
        public void close() {
            // Closed with the backend.
        }
    }
}
