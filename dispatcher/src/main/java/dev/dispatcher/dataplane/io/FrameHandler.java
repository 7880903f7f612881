package dev.dispatcher.dataplane.io;

import dev.dispatcher.packet.PacketBuffer;

/** Receives frames from a {@link PacketSource}; the buffer is valid only during the call. */
@FunctionalInterface
public interface FrameHandler {
    /**
     * @param frame the captured bytes (possibly fewer than the frame had on the wire)
     * @param wireLength the frame's length on the wire
     * @param timestampNanos monotonic time of the frame in nanoseconds (live sources: one clock
     *     read per poll; file sources: the capture timestamp), which drives flow timeouts
     */
    void onFrame(PacketBuffer frame, int wireLength, long timestampNanos);
}
