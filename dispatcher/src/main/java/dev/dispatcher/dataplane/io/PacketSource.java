package dev.dispatcher.dataplane.io;

/** Where frames come from: a live interface or a capture file. Polled by exactly one thread. */
public interface PacketSource extends AutoCloseable {
    /** Returned by {@link #poll} when a finite source (a file) has no more frames. */
    int END_OF_STREAM = -1;

    /**
     * Hands up to {@code maxFrames} frames to {@code handler}, waiting at most the source's poll
     * timeout for the first one. Returns the number delivered (0 on timeout) or
     * {@link #END_OF_STREAM}.
     */
    int poll(FrameHandler handler, int maxFrames);

    /** Monotonic time as the source sees it: the clock for timers when no frame arrives. */
    long nowNanos();

    /**
     * True for a source read at its consumers' pace (a capture file): where the pipeline hands
     * frames to workers through a ring, a full ring makes it wait, so every frame gets a verdict.
     * False (the default) for a live interface, read at the wire's pace: waiting would only move
     * the loss into the kernel and hold up ARP and timers, so a frame that finds the ring full is
     * dropped and counted as {@code ring_full}.
     */
    default boolean offline() {
        return false;
    }

    /**
     * Why the source ended early ({@link #END_OF_STREAM} from a live interface, or a damaged
     * capture file), in one line; null while it has not failed.
     */
    default String failure() {
        return null;
    }

    /** Frames the kernel dropped before we could read them (0 where unknown). */
    default long kernelDrops() {
        return 0;
    }

    /**
     * Frames the kernel flagged as checksum-not-ready (a partial checksum from a sender on this
     * host or behind a veth); 0 where the source cannot tell. Read by the control plane.
     */
    default long checksumNotReadyFrames() {
        return 0;
    }

    /** Wakes a blocked {@link #poll} so that the polling thread can notice a stop request. */
    default void wakeup() {
    }

    @Override
    void close();
}
