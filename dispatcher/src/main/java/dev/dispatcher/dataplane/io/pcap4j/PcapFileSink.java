package dev.dispatcher.dataplane.io.pcap4j;

import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.packet.PacketBuffer;
import java.nio.file.Path;
import java.sql.Timestamp;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

/**
 * Frames to a pcap file, stamped with the replay clock (the timestamp of the input frame being
 * processed). Several sinks may write the same file in ring mode, so writes are serialised here;
 * this is the offline path, where that costs nothing that matters.
 */
public final class PcapFileSink implements PacketSink {
    private final PcapHandle dead;
    private final PcapDumper dumper;
    private final PacketSource clock;
    /** Shared by every writer of the file: serialises writes and counts the writers still open. */
    private final int[] openWriters;
    private boolean closed;

    public PcapFileSink(Path file, PacketSource clock) throws PacketIoException {
        try {
            this.dead = Pcaps.openDead(DataLinkType.EN10MB, 65535, PcapHandle.TimestampPrecision.NANO);
            this.dumper = dead.dumpOpen(file.toString());
        } catch (PcapNativeException | NotOpenException e) {
            throw new PacketIoException("cannot write pcap file " + file + ": " + e.getMessage(), e);
        }
        this.clock = clock;
        this.openWriters = new int[] {1};
    }

    private PcapFileSink(PcapFileSink shared) {
        this.dead = shared.dead;
        this.dumper = shared.dumper;
        this.clock = shared.clock;
        this.openWriters = shared.openWriters;
    }

    /** Another writer of the same file, for another worker; the file closes with the last writer. */
    public PcapFileSink share() {
        synchronized (openWriters) {
            openWriters[0]++;
        }
        return new PcapFileSink(this);
    }

    @Override
    public boolean send(PacketBuffer frame) {
        long nanos = clock.nowNanos();
        Timestamp ts = new Timestamp(nanos / 1_000_000L);
        ts.setNanos((int) (nanos % 1_000_000_000L));
        synchronized (openWriters) {
            try {
                dumper.dumpRaw(frame.toByteArray(), ts);
                return true;
            } catch (NotOpenException e) {
                return false;
            }
        }
    }

    @Override
    public void flush() {
        synchronized (openWriters) {
            try {
                dumper.flush();
            } catch (PcapNativeException | NotOpenException e) {
                // Reported at close, when the file is checked.
            }
        }
    }

    @Override
    public void close() {
        synchronized (openWriters) {
            if (closed) {
                return;
            }
            closed = true;
            if (--openWriters[0] > 0) {
                return;
            }
            dumper.close();
            dead.close();
        }
    }
}
