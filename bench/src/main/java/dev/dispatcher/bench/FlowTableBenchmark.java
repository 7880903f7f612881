package dev.dispatcher.bench;

import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.core.FlowKey;
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
    private FlowKey[] keys;
    private final FlowKey scratch = new FlowKey();
    private int next;
    private final long now = 1_000_000_000L;

    @Setup
    public void setUp() {
        table = new FlowTable(entries * 2, FlowTimeouts.DEFAULTS);
        keys = new FlowKey[entries];
        for (int i = 0; i < entries; i++) {
            // Scrambled order of visits: consecutive lookups touch unrelated slots.
            int k = (int) ((i * 0x9E3779B1L) % entries);
            keys[i] = new FlowKey().ipv4(0xC6120000 | (k >>> 16), 0xC6120064, k & 0xFFFF, 80, 6);
            table.insert(keys[i], k % 3, FlowState.TCP_ESTABLISHED, now);
        }
    }

    @Benchmark
    public int lookupHit() {
        int i = next;
        next = i + 1 == entries ? 0 : i + 1;
        return table.lookup(keys[i], now);
    }

    @Benchmark
    public int insertAndRemoveNewFlow() {
        int i = next;
        next = i + 1 == entries ? 0 : i + 1;
        FlowKey key = keys[i];
        // Another client (the 198.19 half of the range): never in the table.
        scratch.ipv4(key.ipv4Source() ^ 0x0001_0000, key.ipv4Destination(), key.sourcePort(), 80, 6);
        int slot = table.insert(scratch, 1, FlowState.TCP_SYN, now);
        table.remove(slot);
        return slot;
    }
}
