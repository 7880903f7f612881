package dev.dispatcher.control.api;

import java.util.List;

/**
 * Where a flow goes now and why.
 *
 * @param service      "198.18.0.100:80/tcp", or null when no service matches
 * @param decision     what decides: "existing flow", "new flow: ...", "no service...", "no eligible server..."
 * @param server       the server it goes to, or null
 * @param flowState    the flow's TCP state for an existing flow ("established", ...), else null
 * @param candidates   for a new flow: the servers and their weights in use, e.g. "198.18.0.11 weight 3 (up) eligible"
 * @param scheduler    the port's scheduler for new flows, "wrr" or "maglev"; null without a service
 * @param maglevSlot   the flow's slot in the port's Maglev table (of {@code maglevSize}); null without a service
 * @param maglevSize   the size of that table
 * @param lostSegmentServer where a TCP segment of this flow without SYN would go if the flow had no
 *                     entry (a restart, an eviction): the Maglev table's server; null when none
 */
public record Explanation(String service, String decision, String server, String flowState, List<String> candidates,
        String scheduler, Integer maglevSlot, Integer maglevSize, String lostSegmentServer) {

    /** Without a service's scheduler details (no service, or a test's view). */
    public Explanation(String service, String decision, String server, String flowState, List<String> candidates) {
        this(service, decision, server, flowState, candidates, null, null, null, null);
    }

    /** The parts every answer about one service shares, then the decision. */
    public record Builder(String service, List<String> candidates, String scheduler, Integer maglevSlot,
            Integer maglevSize, String lostSegmentServer) {
        public Explanation build(String decision, String server, String flowState) {
            return new Explanation(service, decision, server, flowState, candidates, scheduler, maglevSlot, maglevSize,
                    lostSegmentServer);
        }
    }
}
