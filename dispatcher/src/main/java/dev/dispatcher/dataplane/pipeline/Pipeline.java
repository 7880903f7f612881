package dev.dispatcher.dataplane.pipeline;

import java.util.List;

/** A running data plane: started once, stopped once. */
public interface Pipeline extends AutoCloseable {
    void start();

    /** Runs on the caller's thread until the source ends or {@link #stop} is called. */
    void runUntilStopped();

    /** Asks the pipeline to stop; returns at once. */
    void stop();

    /** True once every thread has finished: after a stop, or when a source ended or failed. */
    boolean ended();

    /** Waits until every thread of the pipeline has finished. */
    void awaitTermination() throws InterruptedException;

    List<ForwardingWorker> workers();

    /** Frames dropped before reaching a worker (ring full), by the receive stage. */
    long ringFullDrops();

    /** Slots of the hand-off ring; 0 when there is none (inline mode). */
    default int ringCapacity() {
        return 0;
    }

    /** Slots of the ring published but not yet consumed by every worker. */
    default long ringOccupancy() {
        return 0;
    }

    @Override
    default void close() {
        stop();
        try {
            awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
