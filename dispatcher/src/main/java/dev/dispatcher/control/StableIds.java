package dev.dispatcher.control;

import java.util.HashMap;
import java.util.Map;

/**
 * Stable small ids: one per key, assigned on first sight and never reused while the process runs.
 * Real servers (by address) and server-within-service pairs get theirs here, so flows keep their
 * server across reloads and live changes and per-server counters never change meaning; the data
 * plane sizes its per-id arrays to the bound up front.
 */
final class StableIds<K> {
    private final Map<K, Integer> ids = new HashMap<>();
    private final int bound;

    StableIds(int bound) {
        this.bound = bound;
    }

    /** The id of {@code key}, assigning the next one on first sight; -1 when all are taken. */
    int idOf(K key) {
        Integer id = ids.get(key);
        if (id != null) {
            return id;
        }
        if (ids.size() >= bound) {
            return -1;
        }
        int next = ids.size();
        ids.put(key, next);
        return next;
    }
}
