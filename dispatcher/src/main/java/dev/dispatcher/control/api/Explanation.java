package dev.dispatcher.control.api;

import java.util.List;

/**
 * Where a flow goes now and why.
 *
 * @param service    "198.18.0.100:80/tcp", or null when no service matches
 * @param decision   "existing flow", "new flow (scheduler)", "no service", "no eligible server"
 * @param server     the server it goes to, or null
 * @param flowState  the flow's TCP state for an existing flow ("established", ...), else null
 * @param candidates for a new flow: the servers and their weights in use, e.g. "198.18.0.11 weight 3 (up)"
 */
public record Explanation(String service, String decision, String server, String flowState, List<String> candidates) {
}
