package dev.dispatcher.dataplane.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer, single-consumer ring of preallocated {@link FlowRecord}s: the way
 * commands reach a worker from the control plane and events leave it. Neither side allocates,
 * locks or waits: a producer that finds the ring full gets null and decides (a worker counts the
 * loss; the control plane retries or gives up), and a consumer takes what is there.
 *
 * <p>The producer fills a claimed record with plain writes and publishes it with a release store
 * of the tail; the consumer reads the tail with an acquire load, so it sees every field of every
 * record before the tail, and hands records back with a release store of the head. Each index
 * has one writer. Where several control-plane threads may produce, their caller serialises them.
 */
public final class FlowRing {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(FlowRing.class, "head", long.class);
            TAIL = lookup.findVarHandle(FlowRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Handles one record; it is reused once the handler returns. */
    @FunctionalInterface
    public interface Handler {
        void onRecord(FlowRecord record);
    }

    private final FlowRecord[] records;
    private final int mask;
    /** Next record the consumer reads; written by the consumer only. */
    private long head;
    /** Next record the producer fills; written by the producer only. */
    private long tail;

    /** {@code capacity} records, rounded up to a power of two. */
    public FlowRing(int capacity) {
        int size = Integer.highestOneBit(Math.max(2, capacity) - 1) << 1;
        this.records = new FlowRecord[size];
        for (int i = 0; i < size; i++) {
            records[i] = new FlowRecord();
        }
        this.mask = size - 1;
    }

    public int capacity() {
        return records.length;
    }

    /** Producer: the next record to fill, or null when the ring is full. Commit it when filled. */
    public FlowRecord claim() {
        if (tail - (long) HEAD.getAcquire(this) >= records.length) {
            return null;
        }
        return records[(int) tail & mask];
    }

    /** Producer: publishes the record {@link #claim} returned. */
    public void commit() {
        TAIL.setRelease(this, tail + 1);
    }

    /** Consumer: hands every published record (at most {@code max}) to {@code handler}; returns how many. */
    public int drain(Handler handler, int max) {
        long published = (long) TAIL.getAcquire(this);
        long next = head;
        int n = 0;
        while (next < published && n < max) {
            handler.onRecord(records[(int) next & mask]);
            next++;
            n++;
        }
        if (n > 0) {
            HEAD.setRelease(this, next);
        }
        return n;
    }

    /** Records published and not yet drained; any thread, a moment's view. */
    public int size() {
        return (int) ((long) TAIL.getAcquire(this) - (long) HEAD.getAcquire(this));
    }
}
