package dev.dispatcher.health;

/**
 * Told when a target's verdict changes; never per probe.
 *
 * <p>Called on the target's probing thread, one call at a time per target and in order, and never
 * for a target after the {@link HealthChecker#replace} or {@link HealthChecker#close} that removed
 * it has returned. Return quickly (publish a new table, queue work); the next probe of this target
 * waits for the call. Do not call {@code replace} or {@code close} from here.
 */
@FunctionalInterface
public interface HealthListener {

    /**
     * @param target the target whose verdict changed
     * @param up     the new verdict
     * @param reason the result that decided it, e.g. {@code "HTTP 503"}
     */
    void onTransition(ProbeTarget target, boolean up, String reason);
}
