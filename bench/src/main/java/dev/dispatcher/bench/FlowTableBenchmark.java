package dev.dispatcher.bench;

import dev.dispatcher.dataplane.conntrack.FlowHash;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Flow-table lookup of an existing flow at 10k and 1M entries (keys visited in a scrambled order,
 * so the large table pays its cache misses), and insert + remove of a new flow in a table that is
 * not full (the common case; {@link ForwarderBenchmark#newFlow} measures the full-table worst case).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx2g"})
public class FlowTableBenchmark {
    @Param({"10000", "1000000"})
    int entries;

    private FlowTable table;
    private long[] highs;
    private long[] lows;
    private long[] hashes;
    private int next;
    private final long now = 1_000_000_000L;

    @Setup
    public void setUp() {
        table = new FlowTable(entries * 2, FlowTimeouts.DEFAULTS);
        highs = new long[entries];
        lows = new long[entries];
        hashes = new long[entries];
        for (int i = 0; i < entries; i++) {
            // Scrambled order of visits: consecutive lookups touch unrelated slots.
            int k = (int) ((i * 0x9E3779B1L) % entries);
            highs[i] = FlowHash.keyHigh(0xC6120000 | (k >>> 16), 0xC6120064);
            lows[i] = FlowHash.keyLow(k & 0xFFFF, 80, 6);
            hashes[i] = FlowHash.hash(highs[i], lows[i]);
            table.insert(highs[i], lows[i], hashes[i], k % 3, FlowState.TCP_ESTABLISHED, now);
        }
    }

    @Benchmark
    public int lookupHit() {
        int i = next;
        next = i + 1 == entries ? 0 : i + 1;
        return table.lookup(highs[i], lows[i], hashes[i], now);
    }

    @Benchmark
    public int insertAndRemoveNewFlow() {
        int i = next;
        next = i + 1 == entries ? 0 : i + 1;
        long high = highs[i] ^ 0x0000_0001_0000_0000L;
        long low = lows[i];
        long hash = FlowHash.hash(high, low);
        int slot = table.insert(high, low, hash, 1, FlowState.TCP_SYN, now);
        table.remove(slot);
        return slot;
    }
}
