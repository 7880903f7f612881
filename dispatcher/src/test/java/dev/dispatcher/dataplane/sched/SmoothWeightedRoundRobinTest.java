package dev.dispatcher.dataplane.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinTest {
    private static final FlowScheduler.Eligibility ALL = s -> true;

    @Test
    void exactSharesOverEveryCycle() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(6);
            int[] servers = new int[n];
            int[] weights = new int[n];
            int total = 0;
            for (int i = 0; i < n; i++) {
                servers[i] = 10 + i;
                weights[i] = random.nextInt(8);
                total += weights[i];
            }
            if (total == 0) {
                continue;
            }
            SmoothWeightedRoundRobin wrr = new SmoothWeightedRoundRobin(servers, weights);
            for (int cycle = 0; cycle < 3; cycle++) {
                int[] counts = new int[n];
                for (int k = 0; k < total; k++) {
                    counts[wrr.pick(ALL) - 10]++;
                }
                for (int i = 0; i < n; i++) {
                    assertEquals(weights[i], counts[i], "server " + i + " in cycle " + cycle);
                }
            }
        }
    }

    @Test
    void interleavesInsteadOfBursting() {
        SmoothWeightedRoundRobin wrr = new SmoothWeightedRoundRobin(new int[] {0, 1, 2}, new int[] {5, 1, 1});
        StringBuilder order = new StringBuilder();
        for (int k = 0; k < 7; k++) {
            order.append((char) ('a' + wrr.pick(ALL)));
        }
        assertEquals("aabacaa", order.toString());
        SmoothWeightedRoundRobin heavy = new SmoothWeightedRoundRobin(new int[] {0, 1}, new int[] {100, 1});
        int longestRun = 0;
        int run = 0;
        for (int k = 0; k < 1010; k++) {
            run = heavy.pick(ALL) == 0 ? run + 1 : 0;
            longestRun = Math.max(longestRun, run);
        }
        assertTrue(longestRun <= 100, "the heavy server never gets more than a cycle in a row: " + longestRun);
    }

    @Test
    void weightZeroAndIneligibleServersGetNothing() {
        SmoothWeightedRoundRobin wrr = new SmoothWeightedRoundRobin(new int[] {0, 1, 2}, new int[] {3, 0, 2});
        int[] counts = new int[3];
        for (int k = 0; k < 50; k++) {
            counts[wrr.pick(s -> s != 2)]++;
        }
        assertEquals(50, counts[0]);
        assertEquals(0, counts[1]);
        assertEquals(0, counts[2]);
        assertEquals(SmoothWeightedRoundRobin.NONE, wrr.pick(s -> false));
        assertEquals(SmoothWeightedRoundRobin.NONE,
                new SmoothWeightedRoundRobin(new int[] {0}, new int[] {0}).pick(ALL));
    }

    @Test
    void peekNamesTheNextPickWithoutTakingItsTurn() {
        SmoothWeightedRoundRobin peeked = new SmoothWeightedRoundRobin(new int[] {10, 11, 12}, new int[] {5, 1, 1});
        SmoothWeightedRoundRobin plain = new SmoothWeightedRoundRobin(new int[] {10, 11, 12}, new int[] {5, 1, 1});
        for (int k = 0; k < 70; k++) {
            int next = peeked.peek(ALL);
            assertEquals(next, peeked.peek(ALL), "peeking twice changes nothing");
            int eligibleOnly = peeked.peek(s -> s != next);
            assertTrue(eligibleOnly != next, "an ineligible server is never named");
            assertEquals(next, peeked.pick(ALL), "the pick after a peek is the peeked server");
            assertEquals(next, plain.pick(ALL), "peeking does not shift the sequence");
        }
        assertEquals(SmoothWeightedRoundRobin.NONE, peeked.peek(s -> false));
    }
}
