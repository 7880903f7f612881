package dev.dispatcher.dataplane.conntrack;

import dev.dispatcher.dataplane.core.FlowKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Open-addressing flow table (linear probing, backward-shift deletion, no tombstones) from a
 * {@link FlowKey} to its pair (a real server within a service: the id the forwarder chooses), with
 * TCP-state-aware idle timeouts. Owned by exactly one forwarding worker; nothing here is
 * thread-safe but {@link #activeFlows}, and nothing allocates after construction.
 *
 * <p>A key is stored in two words side by side in one array: the ports word (ports, protocol, a
 * bit that is never 0 in a used slot, and a bit saying the key is "wide") and an address word.
 * An IPv4 flow (both addresses IPv4-mapped, high words 0) is narrow: its address word holds both
 * addresses, so it is stored whole in 16 bytes per slot and a lookup touches no other key memory.
 * Any other flow (IPv6) is wide: its four address words live in a second array and its address
 * word holds its 64-bit hash, a filter that lets a probe pass non-matching wide entries without
 * reading them. The flag is part of the compared word, so a narrow key never equals a wide one.
 * Both families are exact; the split only keeps the common case as small as it was before keys
 * became 128 bits (a 40-byte key per slot measured 2x slower lookups at 10k flows, JMH
 * FlowTableBenchmark.lookupHit).
 *
 * <p>Each entry stores its absolute expiry time, refreshed on every packet. An expired entry met
 * by a lookup is removed there (so a stale flow never decides a new connection), and
 * {@link #sweep} removes the others a bounded number of slots at a time from a rotating cursor,
 * so the cost per call is constant whatever the table holds. When the table holds
 * {@code capacity} flows, a new flow evicts one entry among the 16 slots from its home slot (6 to
 * 12 entries at the full table's load factor of 0.375 to 0.75: a sampled choice, as Redis samples
 * 5 for its LRU). The victim is the first kind present, in this order: an expired entry; a
 * half-open ({@code syn}) one; an unconfirmed one (created by a segment without SYN, never seen
 * again); a closing or reset one; and only then the established or UDP entry idle longest. So a
 * flood of SYNs or spoofed ACKs from random sources displaces its own kind, never an idle
 * keep-alive connection, as long as a window holds one of its entries (IPVS likewise drops
 * SYN-RECV entries first under memory pressure). When the victim lies on the new flow's own probe
 * chain the new flow takes its slot in place, with no deletion and no second probe. When those 16
 * slots are empty the search goes on 16 slots at a time up to 128 slots from home, then at the
 * sweep cursor; only when all of that is empty is the new flow refused.
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
    /** Where an entry's eviction rank starts in its score; below it, how long it has been idle. */
    private static final int RANK_SHIFT = 58;
    /** The longest idle time the score tells apart (about 104 days); longer ones rank equal. */
    private static final long IDLE_MAX = (1L << 53) - 1;
    /**
     * Eviction rank per state code (0 is taken by expired entries of any state): the lower, the
     * sooner evicted. Indexed by {@code state & 7}; codes without a state rank last.
     */
    private static final long[] RANK = {
        4, // udp
        1, // syn
        4, // established
        3, // closing
        3, // reset
        2, // unconfirmed
        4, 4,
    };
    /** Words per slot in {@link #keys}: the ports word, then the address word. */
    static final int KEY_WORDS = 2;
    /** Words per slot in {@link #wideAddresses}. */
    private static final int WIDE_WORDS = 4;
    /** Bit of the stored ports word set for a wide (not IPv4) key; {@code FlowKey} leaves it 0. */
    private static final long WIDE = 2;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /**
     * The counts below are written by the owner with opaque stores and read by others with acquire:
     * each is a count that orders nothing else, so a reader needs only to see it move, never torn
     * (as ForwarderCounters). A release store would also fence the compiler at every new flow.
     */
    private static final VarHandle SIZE;
    private static final VarHandle EVICTED_EXPIRED;
    private static final VarHandle EVICTED_CAPACITY;
    private static final VarHandle NOT_INSERTED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SIZE = lookup.findVarHandle(FlowTable.class, "size", int.class);
            EVICTED_EXPIRED = lookup.findVarHandle(FlowTable.class, "evictedExpired", long.class);
            EVICTED_CAPACITY = lookup.findVarHandle(FlowTable.class, "evictedCapacity", long.class);
            NOT_INSERTED = lookup.findVarHandle(FlowTable.class, "notInserted", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int capacity;
    private final int mask;
    /** {@link #KEY_WORDS} words per slot: ports word (0 when empty), address word. */
    private final long[] keys;
    /** For wide keys only: source high, low, destination high, low. */
    private final long[] wideAddresses;
    private final long[] expiresAtNanos;
    private final int[] pair;
    private final byte[] state;
    private final FlowTimeouts timeouts;
    /** {@link FlowTimeouts#forState} by {@code state & 7}, for the branch-free eviction scan. */
    private final long[] timeoutByState = new long[8];
    /** Capacity evictions of live entries by the victim's state code. */
    private final long[] evictedByState = new long[8];
    /** Admits new flows to the table at most at the configured rate; {@code null} when unlimited. */
    private final NewFlowRate newFlowRate;
    /** The key of a stored entry, rebuilt for {@link #events}. */
    private final FlowKey scratch = new FlowKey();
    private FlowEvents events = FlowEvents.NONE;
    /** The next slot of a bulk copy under way ({@link #dump}), -1 when none; and its clock. */
    private int dumpCursor = -1;
    private long dumpNanos;

    /**
     * Flows per pair that have not closed (states syn, established, udp): what a drain waits for.
     * Written by the owning worker with release semantics, read with acquire by the control plane.
     */
    private final long[] activeByPair;
    private int size;
    private int sweepCursor;
    private long evictedExpired;
    private long evictedCapacity;
    private long notInserted;

    public FlowTable(int capacity, FlowTimeouts timeouts) {
        this(capacity, timeouts, dev.dispatcher.dataplane.core.ForwardingTable.MAX_PAIRS, 0);
    }

    public FlowTable(int capacity, FlowTimeouts timeouts, int maxPairs) {
        this(capacity, timeouts, maxPairs, 0);
    }

    /**
     * @param maxNewFlowsPerSecond how many new flows a second {@link #admit} lets in (with a burst
     *     of as many), 0 for no limit
     */
    public FlowTable(int capacity, FlowTimeouts timeouts, int maxPairs, int maxNewFlowsPerSecond) {
        if (capacity < 1 || capacity > (1 << 28)) {
            throw new IllegalArgumentException("flow table capacity out of range: " + capacity);
        }
        this.capacity = capacity;
        // Load factor at most 0.75 keeps linear-probing chains short.
        int slots = Integer.highestOneBit(Math.max(16, (int) Math.min(1 << 30, (capacity * 4L + 2) / 3)) - 1) << 1;
        this.mask = slots - 1;
        this.keys = new long[slots * KEY_WORDS];
        this.wideAddresses = new long[slots * WIDE_WORDS];
        this.expiresAtNanos = new long[slots];
        this.pair = new int[slots];
        this.state = new byte[slots];
        this.timeouts = timeouts;
        for (int s = 0; s < timeoutByState.length; s++) {
            timeoutByState[s] = timeouts.forState(s);
        }
        this.activeByPair = new long[maxPairs];
        this.newFlowRate = maxNewFlowsPerSecond > 0 ? new NewFlowRate(maxNewFlowsPerSecond) : null;
    }

    private static boolean active(int state) {
        return state != FlowState.TCP_CLOSING && state != FlowState.TCP_RESET;
    }

    /** Flows of {@code pair} that have not closed; safe to call from any thread. */
    public long activeFlows(int pair) {
        return pair >= 0 && pair < activeByPair.length ? (long) LONGS.getAcquire(activeByPair, pair) : 0;
    }

    private void countActive(int pairId, int delta) {
        LONGS.setOpaque(activeByPair, pairId, activeByPair[pairId] + delta);
    }

    /** Who hears about created, changed and ended flows; set before the table is used. */
    public void events(FlowEvents listener) {
        this.events = listener;
    }

    private void tell(int kind, int slot, long nanos) {
        if (events == FlowEvents.NONE) {
            return;
        }
        keyAt(slot, scratch);
        events.flowEvent(kind, scratch, pair[slot], state[slot], nanos);
    }

    private void setSize(int newSize) {
        SIZE.setOpaque(this, newSize);
    }

    private boolean occupied(int slot) {
        return keys[slot * KEY_WORDS] != 0;
    }

    /** The ports word a key is stored under: {@code FlowKey}'s, with {@link #WIDE} for wide keys. */
    private static long storedPortsWord(FlowKey key) {
        return key.isIpv4() ? key.portsWord() : key.portsWord() | WIDE;
    }

    private static long storedAddressWord(FlowKey key) {
        return key.isIpv4() ? key.ipv4Pair() : key.hash();
    }

    private boolean matches(int slot, long portsWord, long addressWord, FlowKey key) {
        int k = slot * KEY_WORDS;
        return keys[k] == portsWord && keys[k + 1] == addressWord
                && ((portsWord & WIDE) == 0 || wideMatches(slot, key));
    }

    private boolean wideMatches(int slot, FlowKey key) {
        int w = slot * WIDE_WORDS;
        return wideAddresses[w] == key.sourceHigh() && wideAddresses[w + 1] == key.sourceLow()
                && wideAddresses[w + 2] == key.destinationHigh() && wideAddresses[w + 3] == key.destinationLow();
    }

    /** Rebuilds the key stored at {@code slot} into {@code into}. */
    private FlowKey keyAt(int slot, FlowKey into) {
        int k = slot * KEY_WORDS;
        long portsWord = keys[k];
        int sourcePort = (int) (portsWord >>> 32) & 0xFFFF;
        int destinationPort = (int) (portsWord >>> 16) & 0xFFFF;
        int protocol = (int) (portsWord >>> 8) & 0xFF;
        if ((portsWord & WIDE) == 0) {
            long addresses = keys[k + 1];
            return into.ipv4((int) (addresses >>> 32), (int) addresses, sourcePort, destinationPort, protocol);
        }
        int w = slot * WIDE_WORDS;
        return into.set(wideAddresses[w], wideAddresses[w + 1], wideAddresses[w + 2], wideAddresses[w + 3],
                sourcePort, destinationPort, protocol);
    }

    /** The table hash of the entry at {@code slot}, as {@code FlowKey#hash()} computed it. */
    private long hashAt(int slot) {
        int k = slot * KEY_WORDS;
        long portsWord = keys[k];
        if ((portsWord & WIDE) != 0) {
            return keys[k + 1];
        }
        long addresses = keys[k + 1];
        return FlowKey.hash(0, FlowKey.IPV4_MAPPED | (addresses >>> 32),
                0, FlowKey.IPV4_MAPPED | (addresses & 0xFFFF_FFFFL), portsWord);
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return (int) SIZE.getAcquire(this);
    }

    /** The number of slots, a power of two at least the capacity: where {@link #dump} ends. */
    public int slots() {
        return mask + 1;
    }

    public long evictedExpired() {
        return (long) EVICTED_EXPIRED.getAcquire(this);
    }

    public long evictedCapacity() {
        return (long) EVICTED_CAPACITY.getAcquire(this);
    }

    /** Capacity evictions of live entries in {@code state} (a {@link FlowState} code); any thread. */
    public long evictedInState(int state) {
        return state >= 0 && state <= FlowState.MAX ? (long) LONGS.getAcquire(evictedByState, state) : 0;
    }

    /** New flows forwarded but kept out of the table by the new-flow rate limit; any thread. */
    public long notInserted() {
        return (long) NOT_INSERTED.getAcquire(this);
    }

    /**
     * Whether a new flow seen at {@code nowNanos} may be inserted under the new-flow rate limit.
     * A refusal is counted: the caller forwards the flow without remembering it (Katran does the
     * same above its LRU write budget), so a flood cannot churn the table.
     */
    public boolean admit(long nowNanos) {
        if (newFlowRate == null || newFlowRate.tryAcquire(nowNanos)) {
            return true;
        }
        NOT_INSERTED.setOpaque(this, notInserted + 1);
        return false;
    }

    /** Slot index of the live flow, or {@link #MISS}; an expired match is removed and misses. */
    public int lookup(FlowKey key, long nowNanos) {
        long portsWord = storedPortsWord(key);
        long addressWord = storedAddressWord(key);
        int i = (int) key.hash() & mask;
        while (true) {
            if (!occupied(i)) {
                return MISS;
            }
            if (matches(i, portsWord, addressWord, key)) {
                if (expiresAtNanos[i] - nowNanos <= 0) {
                    removeAt(i);
                    EVICTED_EXPIRED.setOpaque(this, evictedExpired + 1);
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
    public int peek(FlowKey key, long nowNanos) {
        long portsWord = storedPortsWord(key);
        long addressWord = storedAddressWord(key);
        int i = (int) key.hash() & mask;
        for (int n = 0; n <= mask; n++) {
            if (!occupied(i)) {
                return MISS;
            }
            if (matches(i, portsWord, addressWord, key)) {
                return expiresAtNanos[i] - nowNanos > 0 ? i : MISS;
            }
            i = (i + 1) & mask;
        }
        return MISS;
    }

    /** The pair stored at {@code slot} (from {@link #lookup} or {@link #insert}). */
    public int pairAt(int slot) {
        return pair[slot];
    }

    /** How long the flow at {@code slot} lives without another packet. */
    public long remainingNanos(int slot, long nowNanos) {
        return Math.max(0, expiresAtNanos[slot] - nowNanos);
    }

    public int stateAt(int slot) {
        return state[slot];
    }

    /** Records a packet of the flow at {@code slot}: new state, expiry pushed out. */
    public void touch(int slot, int newState, long nowNanos) {
        int old = state[slot];
        if (old != newState && active(old) != active(newState)) {
            countActive(pair[slot], active(newState) ? 1 : -1);
        }
        state[slot] = (byte) newState;
        expiresAtNanos[slot] = nowNanos + timeouts.forState(newState);
        if (old != newState) {
            tell(FlowEvents.CHANGED, slot, timeouts.forState(newState));
        }
    }

    /** Points an existing entry at another pair (a new connection reusing a closing 5-tuple). */
    public void reassign(int slot, int newPair, int newState, long nowNanos) {
        if (active(state[slot])) {
            countActive(pair[slot], -1);
        }
        pair[slot] = newPair;
        if (active(newState)) {
            countActive(newPair, 1);
        }
        state[slot] = (byte) newState;
        expiresAtNanos[slot] = nowNanos + timeouts.forState(newState);
        tell(FlowEvents.CREATED, slot, timeouts.forState(newState));
    }

    /**
     * Adds a flow that {@link #lookup} just missed. Returns its slot, or {@link #FULL}. At capacity,
     * evicts the entry nearest to expiry near the new flow's home slot first.
     */
    public int insert(FlowKey key, int newPair, int newState, long nowNanos) {
        return insert(key, newPair, newState, nowNanos, timeouts.forState(newState));
    }

    /**
     * Adds a flow handed in from elsewhere (a snapshot, a peer) with {@code lifetimeNanos} left, or
     * refreshes it when it is there already. Returns its slot, or {@link #FULL}.
     */
    public int restore(FlowKey key, int newPair, int newState, long nowNanos, long lifetimeNanos) {
        int slot = peek(key, nowNanos);
        if (slot == MISS) {
            return insert(key, newPair, newState, nowNanos, lifetimeNanos);
        }
        if (pair[slot] != newPair || state[slot] != newState) {
            reassign(slot, newPair, newState, nowNanos);
        }
        expiresAtNanos[slot] = nowNanos + lifetimeNanos;
        return slot;
    }

    private int insert(FlowKey key, int newPair, int newState, long nowNanos, long lifetimeNanos) {
        int home = (int) key.hash() & mask;
        int i;
        if (size < capacity) {
            i = freeSlotFrom(home);
            setSize(size + 1);
        } else {
            i = evictFor(home, nowNanos);
            if (i < 0) {
                return FULL;
            }
        }
        int k = i * KEY_WORDS;
        long portsWord = storedPortsWord(key);
        keys[k] = portsWord;
        keys[k + 1] = storedAddressWord(key);
        if ((portsWord & WIDE) != 0) {
            int w = i * WIDE_WORDS;
            wideAddresses[w] = key.sourceHigh();
            wideAddresses[w + 1] = key.sourceLow();
            wideAddresses[w + 2] = key.destinationHigh();
            wideAddresses[w + 3] = key.destinationLow();
        }
        pair[i] = newPair;
        state[i] = (byte) newState;
        expiresAtNanos[i] = nowNanos + lifetimeNanos;
        if (active(newState)) {
            countActive(newPair, 1);
        }
        tell(FlowEvents.CREATED, i, lifetimeNanos);
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
            countEviction(victimSlot, nowNanos);
            removeAt(victimSlot);
            setSize(size + 1);
            return freeSlotFrom(home);
        }
        int victim = (home + offset) & mask;
        countEviction(victim, nowNanos);
        if (offset < chain) {
            // The victim is on the new flow's probe chain (no empty slot between home and it), so
            // lookups of the new flow reach that slot: reuse it in place.
            if (active(state[victim])) {
                countActive(pair[victim], -1);
            }
            tell(FlowEvents.ENDED, victim, 0);
            return victim;
        }
        removeAt(victim);
        setSize(size + 1);
        return freeSlotFrom(home);
    }

    /** Counts the eviction of the entry at {@code slot}: as expired, or by its state. */
    private void countEviction(int slot, long nowNanos) {
        if (expiresAtNanos[slot] - nowNanos <= 0) {
            EVICTED_EXPIRED.setOpaque(this, evictedExpired + 1);
        } else {
            EVICTED_CAPACITY.setOpaque(this, evictedCapacity + 1);
            int s = state[slot] & 7;
            LONGS.setOpaque(evictedByState, s, evictedByState[s] + 1);
        }
    }

    private int freeSlotFrom(int home) {
        int i = home;
        while (occupied(i)) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /**
     * Among the {@link #EVICTION_SLOTS} slots from {@code start}: the offset of the occupied one
     * to evict first (see the class comment) in the low 32 bits (-1 if all are empty) and the
     * offset of the first empty one in the high 32 bits ({@code EVICTION_SLOTS} if none is).
     */
    private long stalestIn(int start, long nowNanos) {
        // Branch-free: a score per slot, reduced by Math.min: the eviction rank in the top bits,
        // then how long the entry has not been idle (so the one idle longest scores lowest), then
        // the slot's offset in the low bits; empty slots as bits of a mask. Times are relative to
        // now, so signed comparisons order them although nanoTime wraps. Whether a slot is
        // occupied is data the branch predictor cannot learn, and branching on it cost more than
        // the scan's loads.
        long best = Long.MAX_VALUE;
        int empty = 0;
        for (int n = 0; n < EVICTION_SLOTS; n++) {
            int i = (start + n) & mask;
            boolean occupied = occupied(i);
            int s = state[i] & 7;
            long left = expiresAtNanos[i] - nowNanos;
            long idle = Math.clamp(timeoutByState[s] - left, 0, IDLE_MAX);
            long rank = left > 0 ? RANK[s] : 0;
            long score = (rank << RANK_SHIFT) | ((IDLE_MAX - idle) << OFFSET_BITS) | n;
            best = Math.min(best, occupied ? score : Long.MAX_VALUE);
            empty |= (occupied ? 0 : 1) << n;
        }
        int victim = best == Long.MAX_VALUE ? -1 : (int) (best & ((1 << OFFSET_BITS) - 1));
        int firstEmpty = Math.min(Integer.numberOfTrailingZeros(empty), EVICTION_SLOTS);
        return ((long) firstEmpty << 32) | (victim & 0xFFFF_FFFFL);
    }

    /** Sees one live entry: its key words, pair, state and the lifetime it has left. */
    @FunctionalInterface
    public interface EntryVisitor {
        void entry(long sourceHigh, long sourceLow, long destinationHigh, long destinationLow, long portsWord, int pair,
                   int state, long lifetimeNanos);
    }

    /**
     * Every live entry, for a snapshot of the table. Only for the owning thread, or for another
     * once the owner has stopped (after joining it): the walk is not safe against a running owner.
     */
    public void forEachLive(long nowNanos, EntryVisitor visitor) {
        for (int slot = 0; slot <= mask; slot++) {
            long left = expiresAtNanos[slot] - nowNanos;
            if (occupied(slot) && left > 0) {
                FlowKey key = keyAt(slot, scratch);
                visitor.entry(key.sourceHigh(), key.sourceLow(), key.destinationHigh(), key.destinationLow(),
                        key.portsWord(), pair[slot], state[slot], left);
            }
        }
    }

    /**
     * Tells the live entries of up to {@code maxSlots} slots from {@code fromSlot} on as
     * {@link FlowEvents#CREATED} events with the time they have left (a bulk copy for flow sync,
     * a chunk per batch). Returns the slot to go on from, or -1 past the last one. Between chunks
     * a removal's backward shift may move an entry from the part still to come into the part
     * already told: {@link #removeAt} tells such an entry at once, so a copy misses nothing (an
     * entry may be told twice, which is harmless).
     */
    public int dump(int fromSlot, int maxSlots, long nowNanos) {
        int end = Math.min(mask + 1, fromSlot + maxSlots);
        for (int slot = fromSlot; slot < end; slot++) {
            long left = expiresAtNanos[slot] - nowNanos;
            if (occupied(slot) && left > 0) {
                tell(FlowEvents.CREATED, slot, left);
            }
        }
        dumpCursor = end > mask ? -1 : end;
        dumpNanos = nowNanos;
        return dumpCursor;
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
            while (occupied(i) && expiresAtNanos[i] - nowNanos <= 0) {
                removeAt(i);
                removed++;
            }
            i = (i + 1) & mask;
        }
        sweepCursor = i;
        EVICTED_EXPIRED.setOpaque(this, evictedExpired + removed);
        return removed;
    }

    /** Backward-shift deletion (Knuth 6.4, algorithm R): keeps every probe chain unbroken. */
    private void removeAt(int slot) {
        if (active(state[slot])) {
            countActive(pair[slot], -1);
        }
        tell(FlowEvents.ENDED, slot, 0);
        int hole = slot;
        int i = slot;
        while (true) {
            i = (i + 1) & mask;
            if (!occupied(i)) {
                break;
            }
            int home = (int) hashAt(i) & mask;
            // Move entry i into the hole unless its home lies cyclically in (hole, i].
            boolean homeBetween = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!homeBetween) {
                int k = i * KEY_WORDS;
                keys[hole * KEY_WORDS] = keys[k];
                keys[hole * KEY_WORDS + 1] = keys[k + 1];
                if ((keys[k] & WIDE) != 0) {
                    System.arraycopy(wideAddresses, i * WIDE_WORDS, wideAddresses, hole * WIDE_WORDS, WIDE_WORDS);
                }
                pair[hole] = pair[i];
                state[hole] = state[i];
                expiresAtNanos[hole] = expiresAtNanos[i];
                if (dumpCursor >= 0 && i >= dumpCursor && hole < dumpCursor && expiresAtNanos[hole] > dumpNanos) {
                    // Moved behind a bulk copy under way: told now, or the copy would miss it.
                    tell(FlowEvents.CREATED, hole, expiresAtNanos[hole] - dumpNanos);
                }
                hole = i;
            }
        }
        keys[hole * KEY_WORDS] = 0;
        setSize(size - 1);
    }
}
