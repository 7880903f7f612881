package dev.dispatcher.dataplane.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The Maglev table over the real builder: weighted shares, how many flows move when a server
 * leaves or joins (against the ideal 1/N), and that the table depends on the servers, not on the
 * order they are listed in. Figures are printed for the record; the assertions are the issue's
 * bounds.
 */
class MaglevTableTest {
    private static final int M = MaglevTable.DEFAULT_SIZE;

    /** A stable identity per server, as the control plane derives one from the address. */
    private static long identity(int server) {
        long x = (0xC6120000L + server) * 0x9E37_79B9_7F4A_7C15L;
        return x ^ (x >>> 29);
    }

    private static MaglevTable table(int size, int[] servers, int[] weights) {
        long[] ids = Arrays.stream(servers).mapToLong(MaglevTableTest::identity).toArray();
        return MaglevTable.build(size, servers, ids, weights);
    }

    private static int[] range(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    private static int[] ones(int n) {
        int[] w = new int[n];
        Arrays.fill(w, 1);
        return w;
    }

    /** Slots whose server differs: the share of flows (uniform hashes) that move. */
    private static int moved(MaglevTable a, MaglevTable b) {
        int moved = 0;
        for (int s = 0; s < a.size(); s++) {
            moved += a.slot(s) != b.slot(s) ? 1 : 0;
        }
        return moved;
    }

    @Test
    void sharesFollowTheWeightsWithinOnePercent() {
        int[] servers = range(10);
        int[] weights = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        MaglevTable t = table(M, servers, weights);
        int[] slots = new int[10];
        for (int s = 0; s < M; s++) {
            slots[t.slot(s)]++;
        }
        for (int i = 0; i < 10; i++) {
            double expected = (double) M * weights[i] / 55;
            double error = Math.abs(slots[i] - expected) / expected;
            System.out.printf("maglev share: weight %2d got %5d slots, expected %.0f (%.3f%% off)%n", weights[i],
                    slots[i], expected, error * 100);
            assertTrue(error < 0.01, "weight " + weights[i] + ": " + slots[i] + " slots, expected " + expected);
        }
    }

    @Test
    void removingOrAddingOneOfNServersMovesAboutOneNthOfTheFlows() {
        for (int n : new int[] {3, 10, 100}) {
            MaglevTable all = table(M, range(n), ones(n));
            MaglevTable lessOne = table(M, range(n - 1), ones(n - 1));
            MaglevTable plusOne = table(M, range(n + 1), ones(n + 1));
            double removed = moved(all, lessOne) / ((double) M / n);
            double added = moved(all, plusOne) / ((double) M / (n + 1));
            System.out.printf("maglev disruption at M=%d: N=%d removed %.3f x ideal, added %.3f x ideal%n", M, n,
                    removed, added);
            if (n <= 10) {
                assertTrue(removed <= 1.05 && added <= 1.05, "N=" + n + ": " + removed + " / " + added);
            } else {
                // Plain Maglev at this size moves about 1.6 x the ideal for 100 servers: reported.
                assertTrue(removed < 2 && added < 2, "N=" + n + ": " + removed + " / " + added);
            }
        }
    }

    @Test
    void aLargerTableBringsOneHundredServersWithinOnePointOneOfTheIdeal() {
        int size = 1_572_869;
        assertTrue(MaglevTable.isPrime(size));
        int n = 100;
        MaglevTable all = table(size, range(n), ones(n));
        double worst = 0;
        for (int gone : new int[] {0, 50, 99}) {
            int[] servers = java.util.stream.IntStream.range(0, n).filter(i -> i != gone).toArray();
            worst = Math.max(worst, moved(all, table(size, servers, ones(n - 1))) / ((double) size / n));
        }
        System.out.printf("maglev disruption at M=%d: N=100, worst of 3 removals %.3f x ideal%n", size, worst);
        assertTrue(worst <= 1.1, "worst " + worst);
    }

    @Test
    void theTableDependsOnTheServersNotOnTheirOrder() {
        int[] servers = {7, 3, 11, 5};
        int[] weights = {1, 2, 3, 4};
        MaglevTable a = table(M, servers, weights);
        MaglevTable b = table(M, new int[] {11, 5, 7, 3}, new int[] {3, 4, 1, 2});
        assertEquals(0, moved(a, b), "the same servers and weights listed in another order");
    }

    @Test
    void zeroWeightsTakeNoSlotsAndTheSizeMustBePrime() {
        MaglevTable t = table(101, new int[] {1, 2}, new int[] {0, 3});
        for (int s = 0; s < 101; s++) {
            assertEquals(2, t.slot(s));
        }
        assertEquals(MaglevTable.NONE, table(101, new int[] {1}, new int[] {0}).lookup(12345));
        assertThrows(IllegalArgumentException.class, () -> table(100, new int[] {1}, new int[] {1}));
    }
}
