package dev.dispatcher.dataplane.io.pcapfile;

import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.packet.PacketBuffer;

/**
 * One worker's sink into the replay's output file, stamping each frame with the replay clock (the
 * capture time of the last frame read). The {@link PcapFileWriter} is shared by every worker and
 * closed by its owner, not here.
 */
public final class PcapFileSink implements PacketSink {
    private final PcapFileWriter writer;
    private final PacketSource clock;

    public PcapFileSink(PcapFileWriter writer, PacketSource clock) {
        this.writer = writer;
        this.clock = clock;
    }

    /** False once a write to the file has failed (the frame then counts as a send error). */
    @Override
    public boolean send(PacketBuffer frame) {
        return writer.write(frame, clock.nowNanos());
    }

    /** Nothing: the writer writes in large chunks and everything at its commit. */
    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
