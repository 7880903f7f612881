package dev.dispatcher.dataplane.conntrack;

import dev.dispatcher.dataplane.core.FlowKey;

/**
 * What happens to the flows of one table, told as it happens, on the owning worker's thread: a
 * flow created (or started over in its slot by a new connection), a state change, a flow gone
 * (closed and expired, idle, or evicted). The worker passes them on to the control plane (flow
 * sync, snapshots); the key is a scratch object, valid only during the call.
 */
@FunctionalInterface
public interface FlowEvents {
    int CREATED = 6;
    int CHANGED = 7;
    int ENDED = 8;

    /** Tells nobody: the default. */
    FlowEvents NONE = (kind, key, pair, state, nanos) -> {
    };

    /**
     * @param nanos for CREATED and CHANGED the lifetime the flow now has without another packet;
     *     0 for ENDED
     */
    void flowEvent(int kind, FlowKey key, int pair, int state, long nanos);
}
