package dev.dispatcher.testing;

import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.packet.PacketBuffer;
import java.util.ArrayList;
import java.util.List;

/** A sink that keeps copies of what was sent, or only counts when {@code keep} is false. */
public final class CollectingSink implements PacketSink {
    public final List<byte[]> frames = new ArrayList<>();
    private final boolean keep;
    public long sent;

    public CollectingSink(boolean keep) {
        this.keep = keep;
    }

    @Override
    public boolean send(PacketBuffer frame) {
        sent++;
        if (keep) {
            frames.add(frame.toByteArray());
        }
        return true;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
