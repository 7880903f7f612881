package dev.dispatcher.dataplane.io.pcap4j;

import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.packet.PacketBuffer;
import java.io.EOFException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.concurrent.TimeoutException;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

/**
 * Frames from a pcap file, with the file's timestamps as the clock, so that a replay drives flow
 * timeouts exactly as the capture did. Offline only: never on a live path.
 */
public final class PcapFileSource implements PacketSource {
    private final PcapHandle handle;
    private final PacketBuffer buffer;
    private final MemorySegment segment;
    private long nowNanos;
    private boolean ended;

    public PcapFileSource(Path file, int snaplen) throws PacketIoException {
        try {
            this.handle = Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.NANO);
        } catch (PcapNativeException e) {
            throw new PacketIoException("cannot read pcap file " + file + ": " + e.getMessage(), e);
        }
        if (!DataLinkType.EN10MB.equals(handle.getDlt())) {
            handle.close();
            throw new PacketIoException("pcap file " + file + " is not Ethernet (link type "
                    + handle.getDlt() + ")", null);
        }
        this.segment = MemorySegment.ofArray(new byte[Math.max(snaplen, 65535)]);
        this.buffer = new PacketBuffer().wrap(segment, 0, 0);
    }

    @Override
    public int poll(FrameHandler handler, int maxFrames) {
        if (ended) {
            return END_OF_STREAM;
        }
        int n = 0;
        while (n < maxFrames) {
            byte[] packet;
            try {
                packet = handle.getNextRawPacketEx();
            } catch (EOFException e) {
                ended = true;
                break;
            } catch (TimeoutException e) {
                break;
            } catch (PcapNativeException | NotOpenException e) {
                ended = true;
                break;
            }
            Timestamp ts = handle.getTimestamp();
            nowNanos = ts.getTime() / 1000 * 1_000_000_000L + ts.getNanos();
            int length = Math.min(packet.length, (int) segment.byteSize());
            MemorySegment.copy(packet, 0, segment, ValueLayout.JAVA_BYTE, 0, length);
            buffer.length(length);
            Integer original = handle.getOriginalLength();
            handler.onFrame(buffer, original == null ? length : original, nowNanos);
            n++;
        }
        return n == 0 && ended ? END_OF_STREAM : n;
    }

    /** Read at the pipeline's pace: every frame of the file gets a verdict. */
    @Override
    public boolean offline() {
        return true;
    }

    @Override
    public long nowNanos() {
        return nowNanos;
    }

    @Override
    public void close() {
        handle.close();
    }
}
