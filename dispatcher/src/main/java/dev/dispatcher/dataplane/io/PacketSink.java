package dev.dispatcher.dataplane.io;

import dev.dispatcher.packet.PacketBuffer;

/**
 * Where frames go. Owned by one thread. A backend may send at once or queue until {@link #flush},
 * which the pipeline calls at the end of every batch; the frame's bytes are copied before
 * {@link #send} returns, so the caller may reuse its buffer.
 */
public interface PacketSink extends AutoCloseable {
    /** Sends or queues the frame; false when the backend refused it (counted as a send error). */
    boolean send(PacketBuffer frame);

    /** Pushes out anything queued. */
    void flush();

    @Override
    void close();
}
