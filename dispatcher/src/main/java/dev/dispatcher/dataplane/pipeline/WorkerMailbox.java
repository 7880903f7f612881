package dev.dispatcher.dataplane.pipeline;

import dev.dispatcher.dataplane.core.FlowKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The channels between the control plane and one forwarding worker: an inbox of commands (insert
 * or remove a flow, ask where a flow goes), and two outboxes, the answers to those questions and
 * the flow events (created, changed, ended). The worker drains its inbox at the top of each batch
 * and writes its outboxes as things happen; it never waits on any of them: a full outbox loses the
 * record and counts it. The control-plane methods here may be called from any thread; they are
 * serialised among themselves, never with the worker.
 */
public final class WorkerMailbox {
    /** Commands a worker takes per batch at most, so that a bulk insert never stalls forwarding. */
    static final int COMMANDS_PER_BATCH = 1024;

    private static final VarHandle EVENTS_LOST;
    private static final VarHandle EVENTS_WANTED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            EVENTS_LOST = lookup.findVarHandle(WorkerMailbox.class, "eventsLost", long.class);
            EVENTS_WANTED = lookup.findVarHandle(WorkerMailbox.class, "eventsWanted", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final FlowRing inbox;
    final FlowRing replies;
    final FlowRing events;
    private final Object inboxProducers = new Object();
    private final Object repliesConsumers = new Object();
    private final Object eventsConsumers = new Object();
    /** Written by the worker (opaque), read by anyone (acquire). */
    private long eventsLost;
    /** Written by the control plane (release), read by the worker at the top of a batch (acquire). */
    private boolean eventsWanted;

    public WorkerMailbox(int inboxCapacity, int outboxCapacity) {
        this.inbox = new FlowRing(inboxCapacity);
        this.replies = new FlowRing(64);
        this.events = new FlowRing(outboxCapacity);
    }

    // ------------------------------------------------------------------ control plane's side

    /** Asks the worker to hold the flow for {@code lifetimeNanos}; false when the inbox is full. */
    public boolean insert(FlowKey key, int pair, int state, long lifetimeNanos) {
        synchronized (inboxProducers) {
            FlowRecord r = inbox.claim();
            if (r == null) {
                return false;
            }
            r.kind = FlowRecord.INSERT;
            r.key.copyFrom(key);
            r.pair = pair;
            r.state = state;
            r.nanos = lifetimeNanos;
            inbox.commit();
            return true;
        }
    }

    /** Asks the worker to drop the flow; false when the inbox is full. */
    public boolean remove(FlowKey key) {
        synchronized (inboxProducers) {
            FlowRecord r = inbox.claim();
            if (r == null) {
                return false;
            }
            r.kind = FlowRecord.REMOVE;
            r.key.copyFrom(key);
            inbox.commit();
            return true;
        }
    }

    /**
     * Asks where the flow goes now; the answer comes through {@link #drainReplies} with the same
     * {@code request}. False when the inbox is full.
     */
    public boolean peek(FlowKey key, long request) {
        synchronized (inboxProducers) {
            FlowRecord r = inbox.claim();
            if (r == null) {
                return false;
            }
            r.kind = FlowRecord.PEEK;
            r.key.copyFrom(key);
            r.request = request;
            inbox.commit();
            return true;
        }
    }

    /**
     * Asks the worker for a bulk copy of its table as events (flow sync); restarts one under way.
     * Its {@link FlowRecord#DUMP_DONE} carries {@code request}, so a copy's end is never taken for
     * another's. False when the inbox is full.
     */
    public boolean dump(long request) {
        synchronized (inboxProducers) {
            FlowRecord r = inbox.claim();
            if (r == null) {
                return false;
            }
            r.kind = FlowRecord.DUMP;
            r.request = request;
            inbox.commit();
            return true;
        }
    }

    public int drainReplies(FlowRing.Handler handler) {
        synchronized (repliesConsumers) {
            return replies.drain(handler, Integer.MAX_VALUE);
        }
    }

    /** Turns the flow events on or off; the worker follows at the top of its next batch. */
    public void wantEvents(boolean wanted) {
        EVENTS_WANTED.setRelease(this, wanted);
    }

    public int drainEvents(FlowRing.Handler handler, int max) {
        synchronized (eventsConsumers) {
            return events.drain(handler, max);
        }
    }

    /** Flow events the worker could not write because the outbox was full. */
    public long eventsLost() {
        return (long) EVENTS_LOST.getAcquire(this);
    }

    // ------------------------------------------------------------------ the worker's side

    boolean eventsWanted() {
        return (boolean) EVENTS_WANTED.getAcquire(this);
    }

    void lostEvent() {
        EVENTS_LOST.setOpaque(this, eventsLost + 1);
    }
}
