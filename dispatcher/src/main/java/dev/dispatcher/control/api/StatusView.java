package dev.dispatcher.control.api;

import java.util.List;

/**
 * Everything {@code dispatcher status} shows.
 *
 * @param interfaceName  the dispatcher's interface
 * @param mac            its MAC
 * @param mode           threading mode in use
 * @param configFile     the file the running configuration came from
 * @param lastReload     outcome of the last reload, or null when none happened
 * @param counters       frame counters by verdict name ("forwarded", "no_server", ...), summed
 * @param clusters       per VIP
 * @param flowsRestored  flows this start took over from the last stop's snapshot
 * @param restoreNote    what the start did with the snapshot, in one line
 */
public record StatusView(String interfaceName, String mac, String mode, String configFile, ReloadResult lastReload,
        java.util.Map<String, Long> counters, List<ClusterView> clusters, long flowsRestored, String restoreNote) {

    /** Without the restore's account (a status from before it, or a test's). */
    public StatusView(String interfaceName, String mac, String mode, String configFile, ReloadResult lastReload,
            java.util.Map<String, Long> counters, List<ClusterView> clusters) {
        this(interfaceName, mac, mode, configFile, lastReload, counters, clusters, 0, null);
    }

    public record ClusterView(String vip, List<PortView> ports) {
    }

    /**
     * @param allServersDown true when no server of the port can take new flows (new flows are dropped)
     */
    public record PortView(int port, String protocol, String onServerDown, String advisor, boolean allServersDown,
            List<ServerView> servers) {
    }

    /**
     * @param state             "up", "down" or "drain": whether it takes new flows and why not
     * @param reason            why it is in that state ("advisor: HTTP 503", "operator", "no ARP reply", ...)
     * @param weight            weight in use (0 while draining)
     * @param configuredWeight  weight from the configuration or the last set-weight
     * @param health            "up", "down" or "none" (no advisor)
     * @param override          "none", "up", "down" (operator's manual override)
     * @param mac               known MAC or null
     * @param activeConnections flows in the table that have not closed
     * @param totalConnections  new flows scheduled to it since start
     * @param maxConnections    its connection limit in this port ({@code max-connections}), 0 for none
     * @param minConnections    the lower mark: a server at its limit gets new flows again below it
     */
    public record ServerView(String address, String state, String reason, int weight, int configuredWeight,
            String health, String override, String mac, long activeConnections, long totalConnections,
            int maxConnections, int minConnections) {
        /** At or above its limit: the data plane sends it no new flows until below the lower mark. */
        public boolean atLimit() {
            return maxConnections > 0 && activeConnections >= maxConnections;
        }
    }
}
