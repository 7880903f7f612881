package dev.dispatcher.control;

import dev.dispatcher.dataplane.forward.ForwardingTable;
import java.util.HashMap;
import java.util.Map;

/**
 * Stable server indexes: one per real-server address, assigned on first sight and never reused
 * while the process runs. Flows store the index, so they keep their server across reloads and live
 * changes, and per-server counters never change meaning.
 */
final class ServerRegistry {
    private final Map<Integer, Integer> indexByAddress = new HashMap<>();

    /** The index of {@code address}, assigning the next one on first sight; -1 when full. */
    int indexOf(int address) {
        Integer index = indexByAddress.get(address);
        if (index != null) {
            return index;
        }
        if (indexByAddress.size() >= ForwardingTable.MAX_SERVERS) {
            return -1;
        }
        int next = indexByAddress.size();
        indexByAddress.put(address, next);
        return next;
    }

    int size() {
        return indexByAddress.size();
    }
}
