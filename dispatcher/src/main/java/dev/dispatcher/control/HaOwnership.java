package dev.dispatcher.control;

import dev.dispatcher.config.HaRole;

/**
 * Which cluster groups this node of a high-availability pair serves now, as the HA thread decided,
 * and what the ARP agent needs to watch the partner: its MAC, how often to probe it, and a
 * generation that asks for the served VIPs to be announced again when it grows. A cluster outside
 * the served groups is compiled without its VIP and services (no ARP answered, nothing forwarded),
 * but with its real servers, whose MACs stay resolved for a takeover.
 *
 * @param role null for a dispatcher without a partner, which serves everything
 */
public record HaOwnership(HaRole role, int servedGroups, long partnerMac, long probeIntervalNanos,
                          long announceGeneration) {
    /** No partner: every cluster is served. */
    public static final HaOwnership NONE = new HaOwnership(null, 0, 0, 0, 0);

    /** A pair member that serves nothing yet (INIT). */
    public static HaOwnership nothingServed(HaRole role, long probeIntervalNanos) {
        return new HaOwnership(role, 0, 0, probeIntervalNanos, 0);
    }

    public boolean serves(int group) {
        return role == null || (servedGroups & (1 << group)) != 0;
    }
}
