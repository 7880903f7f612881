package dev.dispatcher.control.api;

import java.util.List;
import java.util.Map;

/**
 * What {@code dispatcher ha status} shows: this node of a high-availability pair, its partner as
 * last heard, and the counts that tell whether the pair is healthy.
 *
 * @param role             {@code ha.role}
 * @param nodeId           this node's id
 * @param state            init, standby or active
 * @param served           the VIPs this node serves now
 * @param standby          the VIPs the partner serves (this node takes them over when it must)
 * @param partner          the partner as last heard, or null before its first heartbeat
 * @param reachTargets     how many reach targets are configured
 * @param reached          how many answered in the last round
 * @param caughtUp         whether this node's flow table holds the partner's flows
 * @param heartbeatsSent   heartbeats sent since the start
 * @param heartbeatsAccepted heartbeats of the partner believed
 * @param heartbeatsRejected refused messages by reason (bad_mac, replayed, unknown_node, ...)
 * @param transitions      changes of hands by cause (partner_dead, recovery, takeover, ...)
 * @param lastChange       the last change, with its reason, or null
 * @param lastChangeEpochMs when it happened
 * @param lastTakeoverMonotonicNanos when this node last took a group, on the host's monotonic clock
 *                         (CLOCK_MONOTONIC, as System.nanoTime and {@code clock_gettime} read it), 0 never
 * @param firstForwardedMonotonicNanos when the first frame was forwarded after it, same clock; 0
 *                         while none has been
 * @param sync             the flow streams in both directions
 */
public record HaStatusView(String role, int nodeId, String state, List<String> served, List<String> standby,
        PartnerView partner, int reachTargets, int reached, boolean caughtUp,
        long heartbeatsSent, long heartbeatsAccepted, Map<String, Long> heartbeatsRejected,
        Map<String, Long> transitions, String lastChange, long lastChangeEpochMs, long lastTakeoverMonotonicNanos,
        long firstForwardedMonotonicNanos, SyncView sync) {

    /**
     * @param inConnected     the partner's stream to this node is up
     * @param applied         records of it applied since the start
     * @param partnerRecords  records the partner had sent before its last frame
     * @param lagMillis       how old its last frame was on arrival (both hosts' wall clocks), -1 before one
     * @param unknownPairs    records for a service or server this node's configuration lacks
     * @param rejected        streams refused, by reason (bad_mac, bad_sequence, bad_record, ...)
     * @param outConnected    this node's stream to the partner is up
     * @param recordsSent     records sent in the current stream
     * @param bulkCopies      bulk copies of the whole table sent since the start
     */
    public record SyncView(boolean inConnected, long applied, long partnerRecords, long lagMillis,
            long unknownPairs, Map<String, Long> rejected, boolean outConnected, long recordsSent, long bulkCopies) {
    }

    /**
     * @param heartbeatAgeMs milliseconds since its last heartbeat was believed
     * @param alive          heard within dead-after
     */
    public record PartnerView(int nodeId, String address, String role, String state, String mac,
            long heartbeatAgeMs, boolean alive, int reached, long syncPosition) {
    }
}
