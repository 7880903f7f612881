package dev.dispatcher.control;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Small ids derived from what they name: a key's id is the first free id at or after its 64-bit
 * content fingerprint modulo the bound, and keys seen together are numbered in fingerprint order.
 * So two processes given the same configuration, whatever order its lists and keys are written
 * in, give every real server and every (service, server) pair the same id; and an id, once given,
 * stays with its key while the process runs (flows and counters keep meaning the same thing
 * across reloads and live changes), and is never given to another key.
 *
 * <p>Ids depend on history only where two fingerprints collide modulo the bound: then the key
 * seen first keeps the id and the other takes the next free one. A process that saw a server
 * added live and one started with that server in its file may then number the two colliding keys
 * differently. Anything that carries flows from one process to another (a snapshot, flow sync)
 * therefore names a pair by its {@link #fingerprint}, which is exact, and maps it to the local id.
 */
final class ContentIds<K> {
    private final Map<K, Integer> ids = new HashMap<>();
    private final BitSet taken = new BitSet();
    private final int bound;
    private final ToLongFunction<K> fingerprints;

    /**
     * @param fingerprints a stable 64-bit digest of a key's content (equal keys, equal digests;
     *     never {@code hashCode}, which may change between runs)
     */
    ContentIds(int bound, ToLongFunction<K> fingerprints) {
        this.bound = bound;
        this.fingerprints = fingerprints;
    }

    /**
     * Gives an id to each key of {@code keys} that has none, in fingerprint order (ties, which
     * a good digest makes vanishingly rare, in {@code tieBreak} order). Returns the keys that
     * found no free id: the bound is reached.
     */
    List<K> assign(Collection<K> keys, Comparator<K> tieBreak) {
        Set<K> unseen = new LinkedHashSet<>();
        for (K key : keys) {
            if (!ids.containsKey(key)) {
                unseen.add(key);
            }
        }
        List<K> fresh = new ArrayList<>(unseen);
        fresh.sort(Comparator.comparingLong(fingerprints).thenComparing(tieBreak));
        List<K> refused = new ArrayList<>();
        for (K key : fresh) {
            if (ids.size() >= bound) {
                refused.add(key);
                continue;
            }
            int id = taken.nextClearBit(home(key));
            if (id >= bound) {
                id = taken.nextClearBit(0);
            }
            taken.set(id);
            ids.put(key, id);
        }
        return refused;
    }

    /** Every key's id, as an immutable map: what readers on other threads look ids up in. */
    Map<K, Integer> snapshot() {
        return Map.copyOf(ids);
    }

    /** The key's id, or -1 when it has none. */
    int idOf(K key) {
        Integer id = ids.get(key);
        return id == null ? -1 : id;
    }

    /** Whether {@code more} keys without an id could still get one. */
    boolean hasRoomFor(int more) {
        return ids.size() + more <= bound;
    }

    long fingerprint(K key) {
        return fingerprints.applyAsLong(key);
    }

    private int home(K key) {
        return (int) Long.remainderUnsigned(fingerprints.applyAsLong(key), bound);
    }
}
