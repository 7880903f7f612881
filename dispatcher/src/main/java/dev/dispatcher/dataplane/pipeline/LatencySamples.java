package dev.dispatcher.dataplane.pipeline;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-packet processing times of one worker, sampled one frame in {@value #SAMPLE_EVERY}: written
 * by the worker into a ring of plain longs (release on the write count), read by the metrics
 * scraper, which records them into a histogram off the hot path. A scraper that falls more than
 * a ring behind loses the oldest samples, which a sampled histogram can afford.
 */
public final class LatencySamples {
    public static final int SAMPLE_EVERY = 1024;
    private static final int SIZE = 1024;

    private final long[] samples = new long[SIZE];
    private final AtomicLong written = new AtomicLong();

    void record(long nanos) {
        long w = written.getPlain();
        samples[(int) (w & (SIZE - 1))] = nanos;
        written.setRelease(w + 1);
    }

    /** How many samples were ever written. */
    public long written() {
        return written.getAcquire();
    }

    /** Sample number {@code index} (valid while {@code written() - index <= capacity()}). */
    public long sample(long index) {
        return samples[(int) (index & (SIZE - 1))];
    }

    public int capacity() {
        return SIZE;
    }
}
