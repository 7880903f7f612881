package dev.dispatcher.bench;

import dev.dispatcher.dataplane.sched.MaglevTable;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Maglev table: a lookup (the per-packet part: one remainder and one array read, for a new
 * flow of a {@code maglev} port and for every TCP segment without SYN that misses the flow table)
 * and a build (the control plane's part, whenever servers, weights or eligibility change).
 *
 * <p>The lookup walks 4096 precomputed flow hashes over a 65537-slot table of 100 servers (256
 * KiB: in L2, as the table of a busy port is). The build is measured for 10, 100 and 1000
 * servers with weights 1..10, at the default size 65537 and, for 1000 servers, at 100003 (the
 * smallest prime at least 100 slots per server, the bound the configuration enforces).
 */
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx1g"})
public class MaglevBenchmark {
    private static final long[] HASHES = new SplittableRandom(7).longs(4096).toArray();

    static MaglevTable table(int servers, int size) {
        int[] backends = new int[servers];
        long[] identities = new long[servers];
        int[] weights = new int[servers];
        for (int i = 0; i < servers; i++) {
            backends[i] = i;
            identities[i] = MaglevTable.identity(0, 0x0000_FFFF_C612_0000L + 11 + i);
            weights[i] = 1 + i % 10;
        }
        return MaglevTable.build(size, backends, identities, weights);
    }

    @State(Scope.Thread)
    public static class Lookup {
        MaglevTable table;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            table = table(100, MaglevTable.DEFAULT_SIZE);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public int lookup(Lookup s) {
        int i = s.next;
        s.next = (i + 1) & (HASHES.length - 1);
        return s.table.lookup(HASHES[i]);
    }

    @State(Scope.Thread)
    public static class Build {
        @Param({"10", "100", "1000"})
        int servers;
    }

    /** Control plane, not per packet: allocates its table (and is exempt from the allocation rule). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 5, time = 2)
    public MaglevTable build(Build s) {
        return table(s.servers, s.servers * 100 > MaglevTable.DEFAULT_SIZE ? 100_003 : MaglevTable.DEFAULT_SIZE);
    }
}
