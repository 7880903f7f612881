package dev.dispatcher.dataplane.pipeline;

/**
 * One role's work, a round at a time (Agrona's {@code Agent}): receive and forward a batch, or
 * receive a batch into the ring. A {@link DutyCycleRunner} calls it until it ends or is stopped,
 * so every pipeline runs its threads the same way.
 */
@FunctionalInterface
interface DutyCycle {
    /** Returned by {@link #doWork} when the role has finished for good (a capture file ended). */
    int END = -1;

    /** Does one round of work; returns how much it did (0: nothing came), or {@link #END}. */
    int doWork();
}
