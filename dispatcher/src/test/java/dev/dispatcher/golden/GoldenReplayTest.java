package dev.dispatcher.golden;

import static dev.dispatcher.testing.Frames.DISPATCHER_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.control.CounterSnapshot;
import dev.dispatcher.control.Replay;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.golden.GoldenCases.Case;
import dev.dispatcher.testing.PcapFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The golden packet contract ({@link GoldenCases}) replayed offline through the pcap file backend
 * and the whole pipeline in every threading mode. {@code BackendContractNetnsIT} runs the same
 * cases through the live backends.
 */
class GoldenReplayTest {
    private static final Path CONFIG = GoldenCases.CONFIG;

    @TempDir
    Path dir;

    static Stream<Arguments> casesInEveryMode() {
        List<Arguments> args = new ArrayList<>();
        for (Case c : GoldenCases.cases()) {
            args.add(Arguments.of(PipelineMode.INLINE, 1, c));
            args.add(Arguments.of(PipelineMode.RING, 1, c));
            if (!c.singleShardOnly()) {
                args.add(Arguments.of(PipelineMode.RING, 3, c));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} x{1}: {2}")
    @MethodSource("casesInEveryMode")
    void replayMatchesGolden(PipelineMode mode, int workers, Case c) throws Exception {
        DispatcherConfig config = withWorkers(ConfigLoader.load(CONFIG), workers);
        Path in = dir.resolve("in.pcap");
        Path out = dir.resolve("out.pcap");
        PcapFiles.write(in, c.in());
        CounterSnapshot counters = Replay.run(config, mode, in, out, MacAddress.parse(DISPATCHER_MAC),
                dev.dispatcher.config.Ipv4.parse("198.18.0.2"), 1500);
        List<byte[]> actual = PcapFiles.read(out);
        if (workers == 1) {
            assertEquals(hex(c.out()), hex(actual), "output frames in order");
        } else {
            assertEquals(hex(c.out()).stream().sorted().toList(), hex(actual).stream().sorted().toList(), "output frames");
        }
        Map<Integer, Long> seen = new TreeMap<>();
        for (int v = 0; v < Verdict.COUNT; v++) {
            if (counters.verdicts()[v] != 0) {
                seen.put(v, counters.verdicts()[v]);
            }
        }
        assertEquals(names(c.verdicts()), names(seen), "verdicts");
        assertEquals(c.in().size(), counters.received(), "every frame has exactly one verdict");
    }

    private static DispatcherConfig withWorkers(DispatcherConfig config, int workers) {
        var p = config.pipeline();
        return new DispatcherConfig(config.source(), config.interfaceName(), config.clusters(), config.flowTable(),
                config.arp(), config.io(), new dev.dispatcher.config.PipelineConfig(p.mode(), workers, p.ringSize(), p.waitStrategy()));
    }

    private static Map<String, Long> names(Map<Integer, Long> verdicts) {
        Map<String, Long> named = new TreeMap<>();
        verdicts.forEach((v, n) -> named.put(Verdict.name(v), n));
        return named;
    }

    private static List<String> hex(List<byte[]> frames) {
        return frames.stream().map(HexFormat.of()::formatHex).toList();
    }
}
