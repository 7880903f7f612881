package dev.dispatcher.dataplane.conntrack;

/**
 * Open-addressing flow table (linear probing, backward-shift deletion, no tombstones) from a
 * 5-tuple to where it goes (an int the forwarder chooses: a server-within-service pair), with TCP-state-aware idle timeouts. Owned by exactly one forwarding
 * worker; nothing here is thread-safe and nothing allocates after construction.
 *
 * <p>Each entry stores its absolute expiry time, refreshed on every packet. An expired entry met
 * by a lookup is removed there (so a stale flow never decides a new connection), and
 * {@link #sweep} removes the others a bounded number of slots at a time from a rotating cursor,
 * so the cost per call is constant whatever the table holds. When the table holds
 * {@code capacity} flows, a new flow evicts the entry closest to expiry among the first 16 entries
 * found near its home slot (or near the sweep cursor); only when both neighbourhoods are empty
 * is the new flow refused, which at a load factor of at most 0.75 does not happen in practice.
 */
public final class FlowTable {
    /** Result of {@link #lookup} when the flow is not in the table. */
    public static final int MISS = -1;
    /** Result of {@link #insert} when the table is full and nothing could be evicted. */
    public static final int FULL = -1;

    /** How far a full table looks from a new flow's home slot for an entry to evict. */
    static final int EVICTION_WINDOW = 16;
    /** At most this many slots are looked at to find those entries: constant work. */
    static final int EVICTION_SCAN = 128;

    private final int capacity;
    private final int mask;
    private final long[] keyHigh;
    private final long[] keyLow;
    private final long[] expiresAtNanos;
    private final int[] server;
    private final byte[] state;
    private final FlowTimeouts timeouts;

    /**
     * Flows per stored value (the forwarder stores a pair id: a server within a service) that have
     * not closed (states syn, established, udp): what a drain waits for.
     */
    private final long[] activeByServer;
    private int size;
    private int sweepCursor;
    private long evictedExpired;
    private long evictedCapacity;

    public FlowTable(int capacity, FlowTimeouts timeouts) {
        this(capacity, timeouts, dev.dispatcher.dataplane.forward.ForwardingTable.MAX_PAIRS);
    }

    public FlowTable(int capacity, FlowTimeouts timeouts, int maxServers) {
        if (capacity < 1 || capacity > (1 << 28)) {
            throw new IllegalArgumentException("flow table capacity out of range: " + capacity);
        }
        this.capacity = capacity;
        // Load factor at most 0.75 keeps linear-probing chains short.
        int slots = Integer.highestOneBit(Math.max(16, (int) Math.min(1 << 30, (capacity * 4L + 2) / 3)) - 1) << 1;
        this.mask = slots - 1;
        this.keyHigh = new long[slots];
        this.keyLow = new long[slots];
        this.expiresAtNanos = new long[slots];
        this.server = new int[slots];
        this.state = new byte[slots];
        this.timeouts = timeouts;
        this.activeByServer = new long[maxServers];
    }

    private static boolean active(int state) {
        return state != FlowState.TCP_CLOSING && state != FlowState.TCP_RESET;
    }

    /**
     * Flows of {@code server} that have not closed. Read by the control plane from another thread:
     * a racy but monotonic-enough read of a plain long, good for status and drain.
     */
    public long activeFlows(int server) {
        return server < activeByServer.length ? activeByServer[server] : 0;
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return size;
    }

    int slots() {
        return mask + 1;
    }

    public long evictedExpired() {
        return evictedExpired;
    }

    public long evictedCapacity() {
        return evictedCapacity;
    }

    /** Slot index of the live flow, or {@link #MISS}; an expired match is removed and misses. */
    public int lookup(long high, long low, long hash, long nowNanos) {
        int i = (int) hash & mask;
        while (true) {
            long k = keyLow[i];
            if (k == 0) {
                return MISS;
            }
            if (k == low && keyHigh[i] == high) {
                if (expiresAtNanos[i] - nowNanos <= 0) {
                    removeAt(i);
                    evictedExpired++;
                    return MISS;
                }
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * Slot of a live flow without removing anything, or {@link #MISS}. For diagnostics from the
     * control plane ("explain"): a racy read that may miss a flow moved during a concurrent
     * deletion, never a wrong answer for one it finds.
     */
    public int peek(long high, long low, long hash, long nowNanos) {
        int i = (int) hash & mask;
        for (int n = 0; n <= mask; n++) {
            long k = keyLow[i];
            if (k == 0) {
                return MISS;
            }
            if (k == low && keyHigh[i] == high) {
                return expiresAtNanos[i] - nowNanos > 0 ? i : MISS;
            }
            i = (i + 1) & mask;
        }
        return MISS;
    }

    /** Server index stored at {@code slot} (from {@link #lookup} or {@link #insert}). */
    public int serverAt(int slot) {
        return server[slot];
    }

    public int stateAt(int slot) {
        return state[slot];
    }

    /** Records a packet of the flow at {@code slot}: new state, expiry pushed out. */
    public void touch(int slot, int newState, long nowNanos) {
        int old = state[slot];
        if (old != newState && active(old) != active(newState)) {
            activeByServer[server[slot]] += active(newState) ? 1 : -1;
        }
        state[slot] = (byte) newState;
        expiresAtNanos[slot] = nowNanos + timeouts.forState(newState);
    }

    /** Points an existing entry at another server (a new connection reusing a closing 5-tuple). */
    public void reassign(int slot, int serverIndex, int newState, long nowNanos) {
        if (active(state[slot])) {
            activeByServer[server[slot]]--;
        }
        server[slot] = serverIndex;
        if (active(newState)) {
            activeByServer[serverIndex]++;
        }
        state[slot] = (byte) newState;
        expiresAtNanos[slot] = nowNanos + timeouts.forState(newState);
    }

    /**
     * Adds a flow that {@link #lookup} just missed. Returns its slot, or {@link #FULL}. At capacity,
     * evicts the entry nearest to expiry in the new flow's probe window first.
     */
    public int insert(long high, long low, long hash, int serverIndex, int newState, long nowNanos) {
        if (size >= capacity && !evictNear((int) hash & mask)) {
            return FULL;
        }
        int i = (int) hash & mask;
        while (keyLow[i] != 0) {
            i = (i + 1) & mask;
        }
        keyHigh[i] = high;
        keyLow[i] = low;
        server[i] = serverIndex;
        state[i] = (byte) newState;
        expiresAtNanos[i] = nowNanos + timeouts.forState(newState);
        if (active(newState)) {
            activeByServer[serverIndex]++;
        }
        size++;
        return i;
    }

    private boolean evictNear(int home) {
        int victim = stalestFrom(home);
        if (victim < 0) {
            // An empty neighbourhood in a table that is full by count: take from the sweep area.
            victim = stalestFrom(sweepCursor);
        }
        if (victim < 0) {
            return false;
        }
        removeAt(victim);
        evictedCapacity++;
        return true;
    }

    /** The occupied slot nearest to expiry among the first few from {@code start}, or -1. */
    private int stalestFrom(int start) {
        int victim = -1;
        long earliest = Long.MAX_VALUE;
        int seen = 0;
        for (int n = 0, i = start; n < EVICTION_SCAN && seen < EVICTION_WINDOW; n++, i = (i + 1) & mask) {
            if (keyLow[i] != 0) {
                seen++;
                if (victim < 0 || expiresAtNanos[i] - earliest < 0) {
                    victim = i;
                    earliest = expiresAtNanos[i];
                }
            }
        }
        return victim;
    }

    /** Removes the entry at {@code slot}. */
    public void remove(int slot) {
        removeAt(slot);
    }

    /**
     * Examines up to {@code maxSlots} slots from the rotating cursor and removes expired entries.
     * Returns how many it removed. Cost is bounded by {@code maxSlots}, not by the table size.
     */
    public int sweep(long nowNanos, int maxSlots) {
        int removed = 0;
        int i = sweepCursor;
        for (int n = 0; n < maxSlots; n++) {
            // Backward shift may move a later entry into slot i: look at i again before moving on.
            while (keyLow[i] != 0 && expiresAtNanos[i] - nowNanos <= 0) {
                removeAt(i);
                removed++;
            }
            i = (i + 1) & mask;
        }
        sweepCursor = i;
        evictedExpired += removed;
        return removed;
    }

    /** Backward-shift deletion (Knuth 6.4, algorithm R): keeps every probe chain unbroken. */
    private void removeAt(int slot) {
        if (active(state[slot])) {
            activeByServer[server[slot]]--;
        }
        int hole = slot;
        int i = slot;
        while (true) {
            i = (i + 1) & mask;
            long low = keyLow[i];
            if (low == 0) {
                break;
            }
            int home = (int) FlowHash.hash(keyHigh[i], low) & mask;
            // Move entry i into the hole unless its home lies cyclically in (hole, i].
            boolean homeBetween = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!homeBetween) {
                keyHigh[hole] = keyHigh[i];
                keyLow[hole] = low;
                server[hole] = server[i];
                state[hole] = state[i];
                expiresAtNanos[hole] = expiresAtNanos[i];
                hole = i;
            }
        }
        keyLow[hole] = 0;
        keyHigh[hole] = 0;
        size--;
    }
}
