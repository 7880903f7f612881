package dev.dispatcher.testing;

import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.packet.PacketBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A source of frames a test puts in from any thread, handed to the worker on its own thread. */
public final class QueueSource implements PacketSource {
    public final ConcurrentLinkedQueue<byte[]> inbox = new ConcurrentLinkedQueue<>();

    @Override
    public int poll(FrameHandler handler, int maxFrames) {
        int n = 0;
        byte[] frame;
        while (n < maxFrames && (frame = inbox.poll()) != null) {
            handler.onFrame(PacketBuffer.ofArray(frame), frame.length, System.nanoTime());
            n++;
        }
        if (n == 0) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return n;
    }

    @Override
    public long nowNanos() {
        return System.nanoTime();
    }

    @Override
    public void close() {
    }
}
