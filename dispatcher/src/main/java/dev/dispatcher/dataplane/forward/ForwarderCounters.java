package dev.dispatcher.dataplane.forward;

import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters of one forwarding worker. Written only by the worker's thread, with opaque stores
 * (on x86 a plain store that the compiler may neither drop, keep in a register nor tear); read by
 * the control plane and the metrics scraper with acquire loads, so a reader sees each counter
 * move forward, never a torn or stale-forever value. Counters order nothing else, so opaque is
 * enough on the writer's side. No atomic read-modify-write: one writer needs none.
 *
 * <p>A forwarded frame pays for every counter it moves, so the hot ones are as cheap as opaque
 * allows: received bytes and lookup hits are fields (no index check), and what the per-pair
 * counters already hold is not counted twice: forwarded frames and bytes are the sums of the
 * pairs' packet and byte counters, added up by the reader.
 */
public final class ForwarderCounters {
    public static final int RECEIVED_BYTES = 0;
    public static final int FORWARDED_BYTES = 1;
    public static final int LOOKUP_HIT = 2;
    public static final int LOOKUP_MISS_SYN = 3;
    /** A TCP segment without SYN that matched no flow: state was lost (restart, eviction, failover). */
    public static final int LOOKUP_MISS_NO_SYN = 4;
    /** Existing flows moved to another server: theirs left the service or went down (reset policy). */
    public static final int FLOWS_RESCHEDULED = 5;
    private static final int SCALARS = 6;

    /** Per pair (server within service), see {@link ForwardingTable#MAX_PAIRS}. */
    public static final int PAIR_FORWARDED_PACKETS = 0;
    public static final int PAIR_FORWARDED_BYTES = 1;
    public static final int PAIR_NEW_FLOWS = 2;
    private static final int PER_PAIR = 3;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle RECEIVED = field("receivedBytes");
    private static final VarHandle HITS = field("lookupHits");

    private long receivedBytes;
    private long lookupHits;

    private final long[] verdicts = new long[Verdict.COUNT];
    private final long[] scalars = new long[SCALARS];
    private final long[] pairs;
    private final int maxPairs;

    public ForwarderCounters(int maxPairs) {
        this.maxPairs = maxPairs;
        this.pairs = new long[maxPairs * PER_PAIR];
    }

    private static VarHandle field(String name) {
        try {
            return MethodHandles.lookup().findVarHandle(ForwarderCounters.class, name, long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void add(long[] counters, int index, long delta) {
        LONGS.setOpaque(counters, index, counters[index] + delta);
    }

    void countFrame(int verdict, int wireLength) {
        if (verdict != Verdict.FORWARDED) {
            add(verdicts, verdict, 1);
        }
        RECEIVED.setOpaque(this, receivedBytes + wireLength);
    }

    void countHit() {
        HITS.setOpaque(this, lookupHits + 1);
    }

    /** One of the scalars kept in the array: the misses and {@link #FLOWS_RESCHEDULED} (hits have their own). */
    void count(int which) {
        add(scalars, which, 1);
    }

    void countPair(int kind, int pair, long delta) {
        add(pairs, pair * PER_PAIR + kind, delta);
    }

    void countForwarded(int pair, int wireLength) {
        add(pairs, pair * PER_PAIR + PAIR_FORWARDED_PACKETS, 1);
        add(pairs, pair * PER_PAIR + PAIR_FORWARDED_BYTES, wireLength);
    }

    /** Frames with {@code verdict} so far; any thread. */
    public long verdict(int verdict) {
        return verdict == Verdict.FORWARDED ? sumOfPairs(PAIR_FORWARDED_PACKETS)
                : (long) LONGS.getAcquire(verdicts, verdict);
    }

    /** Every verdict's count, in verdict order; any thread (a fresh array: control path). */
    public long[] verdicts() {
        long[] copy = new long[Verdict.COUNT];
        for (int v = 0; v < copy.length; v++) {
            copy[v] = verdict(v);
        }
        return copy;
    }

    /** One of the scalar counters ({@link #LOOKUP_HIT}, ...); any thread. */
    public long get(int which) {
        return switch (which) {
            case RECEIVED_BYTES -> (long) RECEIVED.getAcquire(this);
            case LOOKUP_HIT -> (long) HITS.getAcquire(this);
            case FORWARDED_BYTES -> sumOfPairs(PAIR_FORWARDED_BYTES);
            default -> (long) LONGS.getAcquire(scalars, which);
        };
    }

    /** One per-pair counter summed over all pairs: each only grows, so the sum only grows too. */
    private long sumOfPairs(int kind) {
        long sum = 0;
        for (int pair = 0; pair < maxPairs; pair++) {
            sum += (long) LONGS.getAcquire(pairs, pair * PER_PAIR + kind);
        }
        return sum;
    }

    /** A per-pair counter ({@link #PAIR_NEW_FLOWS}, ...); 0 for a pair beyond the bound; any thread. */
    public long pair(int kind, int pair) {
        return pair >= 0 && pair < maxPairs ? (long) LONGS.getAcquire(pairs, pair * PER_PAIR + kind) : 0;
    }
}
