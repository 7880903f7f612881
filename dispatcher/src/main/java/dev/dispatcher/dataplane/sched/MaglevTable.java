package dev.dispatcher.dataplane.sched;

import java.util.Arrays;

/**
 * A weighted Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable Software Network
 * Load Balancer", NSDI 2016, section 3.4): {@code size} slots (a prime), each naming one
 * backend, so that a flow's backend is one array read at its hash, every dispatcher that builds
 * the table from the same backends and weights fills it alike, and adding or removing a backend
 * moves few flows.
 *
 * <p>Each backend has a preference list of the slots, a permutation given by an offset and a skip
 * derived from its stable identity (not from its position in any list): slot {@code (offset + j *
 * skip) mod size} for j = 0, 1, ... Backends take turns claiming the first unclaimed slot of their
 * list until every slot is claimed. In the paper every backend takes one turn per round; here the
 * turns follow smooth weighted round-robin over the weights (nginx's algorithm, as the rest of the
 * dispatcher schedules), so a backend of weight w claims w turns in every sum(weights) turns and
 * ends up with its share of the slots to within one slot per cycle, while with equal weights the
 * turn order is exactly the paper's. Backends of weight 0 take no slots. Built off the packet
 * path; immutable once built.
 */
public final class MaglevTable implements FlowScheduler {
    /** The default size: a prime comfortably above 100 slots per backend for hundreds of backends. */
    public static final int DEFAULT_SIZE = 65_537;
    /** {@link #lookup} when the table has no backend (every weight 0). */
    public static final int NONE = -1;

    private final int[] slots;

    private MaglevTable(int[] slots) {
        this.slots = slots;
    }

    /**
     * Builds a table of {@code size} slots.
     *
     * @param backends   the values the slots hold (pair ids), parallel to the other arrays
     * @param identities a stable 64-bit identity per backend (a digest of its address): the seed of
     *                   its preference list, the same in every process
     * @param weights    non-negative; 0 takes no slots
     */
    public static MaglevTable build(int size, int[] backends, long[] identities, int[] weights) {
        if (!isPrime(size) || size < 2) {
            throw new IllegalArgumentException("Maglev table size must be a prime, found " + size);
        }
        if (backends.length != identities.length || backends.length != weights.length) {
            throw new IllegalArgumentException("backends, identities and weights differ in length");
        }
        int[] slots = new int[size];
        Arrays.fill(slots, NONE);
        int n = backends.length;
        // A fixed order of turns whatever order the backends came in: by identity.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> identities[a] != identities[b] ? Long.compareUnsigned(identities[a], identities[b])
                : Integer.compare(backends[a], backends[b]));
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        int[] weight = new int[n];
        long total = 0;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            if (weights[i] < 0) {
                throw new IllegalArgumentException("negative weight " + weights[i]);
            }
            long h1 = mix(identities[i] ^ 0x6F66_6673_6574_0001L);
            long h2 = mix(identities[i] ^ 0x736B_6970_0000_0002L);
            offset[k] = Long.remainderUnsigned(h1, size);
            skip[k] = Long.remainderUnsigned(h2, size - 1) + 1;
            weight[k] = weights[i];
            total += weights[i];
        }
        if (total == 0) {
            return new MaglevTable(slots);
        }
        long[] current = new long[n];
        int filled = 0;
        while (filled < size) {
            // Smooth weighted round-robin picks whose turn it is.
            int turn = -1;
            for (int k = 0; k < n; k++) {
                if (weight[k] == 0) {
                    continue;
                }
                current[k] += weight[k];
                if (turn < 0 || current[k] > current[turn]) {
                    turn = k;
                }
            }
            current[turn] -= total;
            // The first slot of its list nobody has claimed yet.
            long candidate;
            do {
                candidate = (offset[turn] + next[turn] * skip[turn]) % size;
                next[turn]++;
            } while (slots[(int) candidate] != NONE);
            slots[(int) candidate] = backends[order[turn]];
            filled++;
        }
        return new MaglevTable(slots);
    }

    /**
     * The backend of the flow, or {@link #NONE} when it may not take flows just now (its MAC was
     * lost since the table was built): the flow is dropped, not moved, so that it lands where
     * every other dispatcher sends it once the table is rebuilt.
     */
    @Override
    public int pick(long flowHash, Eligibility eligibility) {
        int backend = lookup(flowHash);
        return backend != NONE && eligibility.eligible(backend) ? backend : NONE;
    }

    @Override
    public int peek(long flowHash, Eligibility eligibility) {
        return pick(flowHash, eligibility);
    }

    /**
     * The stable identity of a backend at this 128-bit address (IPv4 in its mapped form): the
     * seed of its preference list. Every dispatcher derives the same one from the same address.
     */
    public static long identity(long addressHigh, long addressLow) {
        return mix(mix(addressHigh ^ 0x4D61_676C_6576_0001L) ^ addressLow);
    }

    /** The backend of a flow with this hash: one array read. */
    public int lookup(long hash) {
        return slots[(int) Long.remainderUnsigned(hash, slots.length)];
    }

    /** The slot a hash falls in (for explain). */
    public int slotOf(long hash) {
        return (int) Long.remainderUnsigned(hash, slots.length);
    }

    public int size() {
        return slots.length;
    }

    /** The backend in {@code slot}; for tests and explain. */
    public int slot(int slot) {
        return slots[slot];
    }

    public static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        if (n % 2 == 0) {
            return n == 2;
        }
        for (int d = 3; (long) d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    /** Murmur3's 64-bit finaliser: spreads an identity into an offset and a skip. */
    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xFF51_AFD7_ED55_8CCDL;
        x ^= x >>> 33;
        x *= 0xC4CE_B9FE_1A85_EC53L;
        x ^= x >>> 33;
        return x;
    }
}
