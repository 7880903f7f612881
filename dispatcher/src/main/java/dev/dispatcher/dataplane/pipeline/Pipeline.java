package dev.dispatcher.dataplane.pipeline;

import java.util.List;

/** A running data plane: started once, stopped once. */
public interface Pipeline extends AutoCloseable {
    void start();

    /** Runs on the caller's thread until the source ends or {@link #stop} is called. */
    void runUntilStopped();

    /** Asks the pipeline to stop; returns at once. */
    void stop();

    /** Waits until every thread of the pipeline has finished. */
    void awaitTermination() throws InterruptedException;

    List<ForwardingWorker> workers();

    /** Frames dropped before reaching a worker (ring full), by the receive stage. */
    long ringFullDrops();

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
