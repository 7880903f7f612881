package dev.dispatcher.dataplane.pipeline;

import dev.dispatcher.dataplane.conntrack.FlowEvents;
import dev.dispatcher.dataplane.core.FlowKey;

/**
 * One slot of a {@link FlowRing}: a command for a worker or an event from one, always about one
 * flow. Preallocated with its ring and reused: a producer fills it between claiming and
 * committing it, a consumer reads it only in its handler.
 */
public final class FlowRecord {
    /** Control to worker: insert the flow (key, pair, state) for {@link #nanos} more. */
    public static final int INSERT = 1;
    /** Control to worker: remove the flow (key) if it is there. */
    public static final int REMOVE = 2;
    /**
     * Control to worker: where does the flow (key) of {@link #service} go? Answered with a
     * {@link #FOUND} or {@link #NEW_FLOW} record carrying the same {@link #request}.
     */
    public static final int PEEK = 3;
    /** Worker to control: the flow is in the table, with its pair, state and {@link #nanos} left. */
    public static final int FOUND = 4;
    /** Worker to control: no entry; a new flow would get {@link #pair} (-1: none is eligible). */
    public static final int NEW_FLOW = 5;
    /** Worker to control: a flow was created (key, pair, state, {@link #nanos} = its lifetime). */
    public static final int CREATED = FlowEvents.CREATED;
    /** Worker to control: a flow changed state (key, pair, new state, {@link #nanos} = its lifetime). */
    public static final int CHANGED = FlowEvents.CHANGED;
    /** Worker to control: a flow left the table (key, pair, last state). */
    public static final int ENDED = FlowEvents.ENDED;
    /**
     * Control to worker: tell every live flow as a {@link #CREATED} event (a bulk copy for flow
     * sync), at the pace the events outbox allows, then {@link #DUMP_DONE}.
     */
    public static final int DUMP = 9;
    /** Worker to control: every flow live when the {@link #DUMP} of {@link #request} began has been told. */
    public static final int DUMP_DONE = 10;

    int kind;
    final FlowKey key = new FlowKey();
    int pair;
    int state;
    int service;
    long request;
    long nanos;

    public int kind() {
        return kind;
    }

    public FlowKey key() {
        return key;
    }

    public int pair() {
        return pair;
    }

    public int state() {
        return state;
    }

    public int service() {
        return service;
    }

    public long request() {
        return request;
    }

    /** A lifetime or a remaining time, by {@link #kind}. */
    public long nanos() {
        return nanos;
    }
}
