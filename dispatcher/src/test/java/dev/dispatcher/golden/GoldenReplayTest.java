package dev.dispatcher.golden;

import static dev.dispatcher.testing.Frames.DISPATCHER_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PipelineConfig;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.control.CounterSnapshot;
import dev.dispatcher.control.Replay;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.golden.GoldenCases.Case;
import dev.dispatcher.testing.Frames;
import dev.dispatcher.testing.PcapFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

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
            assertEquals(hex(c.out()).stream().sorted().toList(), hex(actual).stream().sorted().toList(),
                    "output frames");
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

    /**
     * A capture far larger than the ring: 24 flows (TCP to VIP:80, three servers; UDP to VIP:53,
     * one) of 200 frames each, interleaved, with frames that are not ours among them. The ring has
     * its smallest size, so the file is read much faster than the workers drain it; an offline
     * source must wait for them and lose nothing, whatever the number of workers.
     */
    @ParameterizedTest(name = "ring x{0}")
    @ValueSource(ints = {1, 3})
    void aLargeCaptureLosesNothingInRingMode(int workers) throws Exception {
        List<byte[]> frames = largeCapture();
        Path in = dir.resolve("large.pcap");
        PcapFiles.write(in, frames);
        DispatcherConfig config = withRing(ConfigLoader.load(CONFIG), 1, PipelineConfig.MIN_RING_SIZE);
        CounterSnapshot inline = Replay.run(config, PipelineMode.INLINE, in, dir.resolve("inline.pcap"),
                GoldenCases.OWN_MAC, GoldenCases.OWN_IP, GoldenCases.MTU);
        List<PcapFiles.Record> inlineOut = PcapFiles.readRecords(dir.resolve("inline.pcap"));

        CounterSnapshot ring = Replay.run(withRing(config, workers, PipelineConfig.MIN_RING_SIZE), PipelineMode.RING,
                in, dir.resolve("ring.pcap"), GoldenCases.OWN_MAC, GoldenCases.OWN_IP, GoldenCases.MTU);
        List<PcapFiles.Record> ringOut = PcapFiles.readRecords(dir.resolve("ring.pcap"));

        assertEquals(0, ring.verdicts()[Verdict.RING_FULL], "ring_full");
        assertEquals(frames.size(), ring.received(), "every frame has exactly one verdict");
        assertEquals(ring.received(), ring.verdicts()[Verdict.FORWARDED] + ring.passed() + ring.dropped(),
                "received = forwarded + passed + dropped");
        assertEquals(GoldenCases.names(GoldenCases.nonZero(inline.verdicts())),
                GoldenCases.names(GoldenCases.nonZero(ring.verdicts())), "the same verdicts as inline");
        assertEquals(frames.size() - 2 * LARGE_ROUNDS / 50, inline.verdicts()[Verdict.FORWARDED], "forwarded inline");
        if (workers == 1) {
            assertEquals(-1L, Files.mismatch(dir.resolve("inline.pcap"), dir.resolve("ring.pcap")),
                    "byte offset of the first difference from inline's output: the same frames in the same order, "
                    + "each stamped with the time of its input frame, expected");
            return;
        }
        // Each worker schedules its own flows: a TCP flow may go to another server than inline,
        // but all of it to one server, and otherwise byte for byte the same frames in the same
        // order, each stamped with the time of the input frame that caused it.
        Map<String, List<String>> inlineFlows = byFlowWithoutDestination(inlineOut);
        Map<String, List<String>> ringFlows = byFlowWithoutDestination(ringOut);
        assertEquals(LARGE_FLOWS, ringFlows.size(), "flows");
        assertEquals(inlineFlows.keySet(), ringFlows.keySet(), "flows");
        for (String flow : inlineFlows.keySet()) {
            List<String> expected = inlineFlows.get(flow);
            List<String> actual = ringFlows.get(flow);
            assertEquals(expected.size(), actual.size(), "frames of flow " + flow);
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), actual.get(i), "flow " + flow + ", frame " + i + " (timestamp, frame)");
            }
        }
        for (Map.Entry<String, Set<String>> flow : destinations(ringOut).entrySet()) {
            assertEquals(1, flow.getValue().size(), "one server for flow " + flow.getKey() + ": " + flow.getValue());
        }
    }

    private static final int LARGE_FLOWS = 24;
    private static final int LARGE_ROUNDS = 200;

    private static List<byte[]> largeCapture() {
        List<byte[]> frames = new ArrayList<>();
        for (int round = 0; round < LARGE_ROUNDS; round++) {
            for (int flow = 0; flow < LARGE_FLOWS; flow++) {
                byte[] payload = new byte[round % 64];
                java.util.Arrays.fill(payload, (byte) round);
                if (flow % 3 == 0) {
                    frames.add(Frames.udp(Frames.CLIENT_MAC, DISPATCHER_MAC, Frames.CLIENT_IP, Frames.VIP,
                            20_000 + flow, 53, payload));
                } else {
                    Frames.Tcp tcp = new Frames.Tcp().srcPort(30_000 + flow);
                    if (round > 0) {
                        tcp.ack();
                        tcp.payload = payload;
                    }
                    frames.add(tcp.build());
                }
            }
            if (round % 50 == 0) {
                frames.add(Frames.raw(Frames.CLIENT_MAC, DISPATCHER_MAC, 0x86DD, new byte[60]));
                Frames.Tcp other = new Frames.Tcp().srcPort(29_999);
                other.dstIp = "198.18.0.50";
                frames.add(other.build());
            }
        }
        return frames;
    }

    /** Untagged IPv4 frames by addresses and ports, destination MAC blanked, with their timestamps, in order. */
    private static Map<String, List<String>> byFlowWithoutDestination(List<PcapFiles.Record> records) {
        Map<String, List<String>> flows = new TreeMap<>();
        for (PcapFiles.Record r : records) {
            byte[] blanked = r.frame().clone();
            java.util.Arrays.fill(blanked, 0, 6, (byte) 0);
            flows.computeIfAbsent(flowKey(r.frame()), k -> new ArrayList<>())
                    .add(r.nanos() + " " + HexFormat.of().formatHex(blanked));
        }
        return flows;
    }

    private static Map<String, Set<String>> destinations(List<PcapFiles.Record> records) {
        Map<String, Set<String>> flows = new TreeMap<>();
        for (PcapFiles.Record r : records) {
            flows.computeIfAbsent(flowKey(r.frame()), k -> new TreeSet<>())
                    .add(HexFormat.of().formatHex(r.frame(), 0, 6));
        }
        return flows;
    }

    private static String flowKey(byte[] frame) {
        return HexFormat.of().formatHex(frame, 23, 24) + " " + HexFormat.of().formatHex(frame, 26, 38);
    }

    private static DispatcherConfig withWorkers(DispatcherConfig config, int workers) {
        return withRing(config, workers, config.pipeline().ringSize());
    }

    private static DispatcherConfig withRing(DispatcherConfig config, int workers, int ringSize) {
        var p = config.pipeline();
        return new DispatcherConfig(config.source(), config.interfaceName(), config.clusters(), config.flowTable(),
                config.arp(), config.io(), new PipelineConfig(p.mode(), workers, ringSize, p.waitStrategy()));
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
