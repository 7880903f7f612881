package dev.dispatcher.dataplane.pipeline;

import dev.dispatcher.packet.PacketBuffer;
import java.lang.foreign.MemorySegment;

/**
 * One preallocated ring slot: a copy of one frame plus the shard that owns it. Created once per
 * slot by the ring's factory and reused forever. A slot with {@link #tick} set carries no frame;
 * the receive stage publishes one when a poll times out, so idle workers still run their timers.
 */
final class FrameSlot {
    final PacketBuffer frame;
    int wireLength;
    long timestampNanos;
    int shard;
    boolean tick;

    FrameSlot(int snaplen) {
        this.frame = new PacketBuffer().wrap(MemorySegment.ofArray(new byte[snaplen]), 0, 0);
    }
}
