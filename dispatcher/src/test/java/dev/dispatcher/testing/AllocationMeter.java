package dev.dispatcher.testing;

import java.lang.management.ManagementFactory;

/**
 * Measures what a round of hot-path work allocates on the calling thread, with the JVM's own
 * per-thread counter. Steady state means whole rounds with not one byte allocated. A single JIT
 * event (deoptimisation re-materialises scalar-replaced objects, a downcall stub is compiled) may
 * cost a few bytes once, so the meter asks for several clean rounds in a row within a bounded
 * number of rounds; any allocation per packet, however small, would dirty every round.
 */
public final class AllocationMeter {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Outcome: clean rounds in a row at the end, rounds run, and the last dirty round's bytes. */
    public record Result(int cleanInARow, int rounds, long lastDirtyBytes) {
    }

    private AllocationMeter() {
    }

    public static Result cleanRounds(Runnable round, int wanted, int maxRounds) {
        int clean = 0;
        int rounds = 0;
        long lastDirty = 0;
        while (clean < wanted && rounds < maxRounds) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            round.run();
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            rounds++;
            if (allocated == 0) {
                clean++;
            } else {
                clean = 0;
                lastDirty = allocated;
            }
        }
        return new Result(clean, rounds, lastDirty);
    }
}
