package dev.dispatcher.dataplane.io.pcapfile;

import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.packet.PacketBuffer;
import java.util.function.LongSupplier;

/**
 * One worker's sink into the replay's output file, stamping each frame with the capture time of
 * the input frame that caused it. The {@link PcapFileWriter} is shared by every worker and closed
 * by its owner, not here.
 */
public final class PcapFileSink implements PacketSink {
    private final PcapFileWriter writer;
    private LongSupplier clock = () -> 0;

    public PcapFileSink(PcapFileWriter writer) {
        this.writer = writer;
    }

    /**
     * Where the time of each frame comes from: its worker's current frame. Set once the worker
     * exists (it is built around its sink), before the pipeline starts.
     */
    public void stampWith(LongSupplier frameNanos) {
        this.clock = frameNanos;
    }

    /** False once a write to the file has failed (the frame then counts as a send error). */
    @Override
    public boolean send(PacketBuffer frame) {
        return writer.write(frame, clock.getAsLong());
    }

    /** Nothing: the writer writes in large chunks and everything at its commit. */
    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
