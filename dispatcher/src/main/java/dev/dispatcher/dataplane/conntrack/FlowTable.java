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
 * {@code capacity} flows, a new flow evicts the entry closest to expiry among the 16 slots from
 * its home slot (6 to 12 entries at the full table's load factor of 0.375 to 0.75: sampled LRU, as Redis does
 * with 5); when the victim lies on the new flow's own probe chain the new flow takes its slot in
 * place, with no deletion and no second probe. When those 16 slots are empty the search goes on
 * 16 slots at a time up to 128 slots from home, then at the sweep cursor; only when all of that is
 * empty is the new flow refused.
 */
public final class FlowTable {
    /** Result of {@link #lookup} when the flow is not in the table. */
    public static final int MISS = -1;
    /** Result of {@link #insert} when the table is full and nothing could be evicted. */
    public static final int FULL = -1;

    /**
     * How many slots from a new flow's home slot a full table looks at for an entry to evict. A
     * fixed count of slots (not of entries) keeps the scan free of data-dependent branches: it was
     * 42% of a new flow's cost when it counted entries (JFR, ForwarderBenchmark.newFlow).
     */
    static final int EVICTION_SLOTS = 16;
    /** How far from home a full table looks, window by window, when the home window is empty. */
    static final int EVICTION_REACH = 128;
    /** Bits that hold a slot's offset within the eviction scan. */
    private static final int OFFSET_BITS = 4;

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
     * evicts the entry nearest to expiry near the new flow's home slot first.
     */
    public int insert(long high, long low, long hash, int serverIndex, int newState, long nowNanos) {
        int home = (int) hash & mask;
        int i;
        if (size < capacity) {
            i = home;
            while (keyLow[i] != 0) {
                i = (i + 1) & mask;
            }
            size++;
        } else {
            i = evictFor(home, nowNanos);
            if (i < 0) {
                return FULL;
            }
        }
        keyHigh[i] = high;
        keyLow[i] = low;
        server[i] = serverIndex;
        state[i] = (byte) newState;
        expiresAtNanos[i] = nowNanos + timeouts.forState(newState);
        if (active(newState)) {
            activeByServer[serverIndex]++;
        }
        return i;
    }

    /**
     * Makes room in a full table for a flow whose home slot is {@code home}; returns the free slot
     * the flow goes to (size unchanged: one out, one in), or -1 when nothing could be evicted.
     */
    private int evictFor(int home, long nowNanos) {
        long window = stalestIn(home, nowNanos);
        int offset = (int) window;
        int chain = (int) (window >>> 32);
        if (offset < 0) {
            // Sixteen empty slots from home in a table full by count (eviction hollows out regions
            // under churn: seen in about 1% of inserts at load 0.5): the flow goes to its empty home
            // slot, and the stalest entry of the next occupied window further on (or, past
            // EVICTION_REACH, at the sweep cursor) makes room. Removing it never moves an entry
            // into the empty slots before it.
            int victimSlot = -1;
            for (int start = EVICTION_SLOTS; start < EVICTION_REACH && victimSlot < 0; start += EVICTION_SLOTS) {
                int from = (home + start) & mask;
                int found = (int) stalestIn(from, nowNanos);
                victimSlot = found < 0 ? -1 : (from + found) & mask;
            }
            if (victimSlot < 0) {
                int found = (int) stalestIn(sweepCursor, nowNanos);
                if (found < 0) {
                    return -1;
                }
                victimSlot = (sweepCursor + found) & mask;
            }
            evictedCapacity++;
            removeAt(victimSlot);
            size++;
            return freeSlotFrom(home);
        }
        int victim = (home + offset) & mask;
        evictedCapacity++;
        if (offset < chain) {
            // The victim is on the new flow's probe chain (no empty slot between home and it), so
            // lookups of the new flow reach that slot: reuse it in place.
            if (active(state[victim])) {
                activeByServer[server[victim]]--;
            }
            return victim;
        }
        removeAt(victim);
        size++;
        return freeSlotFrom(home);
    }

    private int freeSlotFrom(int home) {
        int i = home;
        while (keyLow[i] != 0) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /**
     * Among the {@link #EVICTION_SLOTS} slots from {@code start}: the offset of the occupied one
     * nearest to expiry in the low 32 bits (-1 if all are empty) and the offset of the first empty
     * one in the high 32 bits ({@code EVICTION_SLOTS} if none is).
     */
    private long stalestIn(int start, long nowNanos) {
        // Branch-free: the time left (relative to now, so that a signed comparison orders it
        // although nanoTime wraps) shifted up with the slot's offset in the low bits, reduced by
        // Math.min; empty slots as bits of a mask. Whether a slot is occupied is data the branch
        // predictor cannot learn, and branching on it cost more than the scan's loads.
        long best = Long.MAX_VALUE;
        int empty = 0;
        for (int n = 0; n < EVICTION_SLOTS; n++) {
            int i = (start + n) & mask;
            boolean occupied = keyLow[i] != 0;
            long left = expiresAtNanos[i] - nowNanos;
            best = Math.min(best, occupied ? (left << OFFSET_BITS) | n : Long.MAX_VALUE);
            empty |= (occupied ? 0 : 1) << n;
        }
        int victim = best == Long.MAX_VALUE ? -1 : (int) (best & ((1 << OFFSET_BITS) - 1));
        int firstEmpty = Math.min(Integer.numberOfTrailingZeros(empty), EVICTION_SLOTS);
        return ((long) firstEmpty << 32) | (victim & 0xFFFF_FFFFL);
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
