package dev.dispatcher.testing;

import dev.dispatcher.dataplane.sched.MaglevTable;
import java.util.ArrayList;
import java.util.List;

/**
 * A second, plain implementation of the weighted Maglev table, written from the paper (NSDI'16,
 * section 3.4, "Pseudocode 1") and the dispatcher's documented choices (each server's offset and
 * skip from its address's identity; turns by smooth weighted round-robin; servers taken in the
 * order of their identities), for golden tests to compute where a flow must go without asking
 * the dispatcher's own table.
 */
public final class ReferenceMaglev {
    private final int[] entry;

    /** One server: its address (IPv4), its weight, and the value its slots hold. */
    public record Server(int ipv4, int weight, String value) {
    }

    private final List<String> values = new ArrayList<>();

    public ReferenceMaglev(int size, List<Server> servers) {
        List<Server> sorted = new ArrayList<>(servers);
        sorted.sort((a, b) -> Long.compareUnsigned(identity(a), identity(b)));
        int n = sorted.size();
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] current = new long[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            long id = identity(sorted.get(i));
            offset[i] = Long.remainderUnsigned(fmix(id ^ 0x6F66_6673_6574_0001L), size);
            skip[i] = Long.remainderUnsigned(fmix(id ^ 0x736B_6970_0000_0002L), size - 1) + 1;
            total += sorted.get(i).weight();
            values.add(sorted.get(i).value());
        }
        entry = new int[size];
        java.util.Arrays.fill(entry, -1);
        for (int filled = 0; filled < size; filled++) {
            int turn = -1;
            for (int i = 0; i < n; i++) {
                if (sorted.get(i).weight() > 0) {
                    current[i] += sorted.get(i).weight();
                    if (turn < 0 || current[i] > current[turn]) {
                        turn = i;
                    }
                }
            }
            current[turn] -= total;
            int c = (int) ((offset[turn] + next[turn] * skip[turn]) % size);
            while (entry[c] >= 0) {
                next[turn]++;
                c = (int) ((offset[turn] + next[turn] * skip[turn]) % size);
            }
            entry[c] = turn;
            next[turn]++;
        }
    }

    private static long identity(Server s) {
        return MaglevTable.identity(0, 0x0000_FFFF_0000_0000L | (s.ipv4() & 0xFFFF_FFFFL));
    }

    private static long fmix(long x) {
        x ^= x >>> 33;
        x *= 0xFF51_AFD7_ED55_8CCDL;
        x ^= x >>> 33;
        x *= 0xC4CE_B9FE_1A85_EC53L;
        x ^= x >>> 33;
        return x;
    }

    /** The value of the server a flow with this hash goes to. */
    public String lookup(long hash) {
        return values.get(entry[(int) Long.remainderUnsigned(hash, entry.length)]);
    }
}
