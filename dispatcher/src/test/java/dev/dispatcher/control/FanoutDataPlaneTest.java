package dev.dispatcher.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.Protocol;
import dev.dispatcher.control.api.Explanation;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.ServiceKey;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.pipeline.FanoutPipeline;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.Frames;
import dev.dispatcher.testing.QueueSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fanout mode without a kernel: two in-memory sources stand in for the members of a fanout group,
 * and the test hands each flow to the worker the group's steering program would ({@code
 * FlowKey.shard}). Each worker forwards on its own thread through its own sink, keeps its own
 * flows, adopts a new table at the top of its batch, worker 0 answers ARP, {@code explain} gets its
 * answer from the worker that owns the flow, and a flow the control plane hands in lands in the
 * table of the worker that receives its packets.
 */
class FanoutDataPlaneTest {
    private static final String YAML = """
            interface: eth0
            clusters:
              - address: 198.18.0.100
                ports:
                  - port: 53
                    protocol: udp
                    servers:
                      - address: 198.18.0.11
                        mac: 02:00:00:00:00:11
                      - address: 198.18.0.12
                        mac: 02:00:00:00:00:12
            io:
              backend: afpacket
            pipeline:
              mode: fanout
              workers: 2
            """;
    private static final String OWN = "02:00:00:00:00:02";
    private static final String CLIENT = "02:00:00:00:00:01";
    private static final long TIMEOUT_NANOS = 10_000_000_000L;

    @TempDir
    Path dir;
    private ControlPlane control;
    private FanoutPipeline pipeline;
    private final List<QueueSource> sources = List.of(new QueueSource(), new QueueSource());
    private final List<RecordingSink> sinks = List.of(new RecordingSink(), new RecordingSink());

    record Sent(String thread, byte[] frame) {
    }

    private static final class RecordingSink implements PacketSink {
        final List<Sent> sent = new CopyOnWriteArrayList<>();

        @Override
        public boolean send(PacketBuffer frame) {
            sent.add(new Sent(Thread.currentThread().getName(), frame.toByteArray()));
            return true;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void start() throws Exception {
        Path file = dir.resolve("dispatcher.yaml");
        Files.writeString(file, YAML);
        DispatcherConfig config = ConfigLoader.load(file);
        control = new ControlPlane(config, "eth0", 0x020000000002L, Ipv4.parse("198.18.0.2"), 1500);
        NeighbourTable neighbours = DataPlaneFactory.neighbours();
        pipeline = DataPlaneFactory.buildFanout(config, control.tables(), neighbours,
                DataPlaneFactory.arpTimings(config).passive(), List.copyOf(sources), List.copyOf(sinks));
        control.attach(new DataPlaneView(pipeline, neighbours), "fanout");
        pipeline.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        pipeline.stop();
        pipeline.awaitTermination();
    }

    private static byte[] udp(int clientPort, int round) {
        return Frames.udp(CLIENT, OWN, "198.18.0.1", "198.18.0.100", clientPort, 53, new byte[] {(byte) round});
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(2);
        }
    }

    /** A client port whose flow our own hash puts on worker {@code shard} of 2. */
    private static int portOurHashPutsOn(int shard, int from) {
        int client = Ipv4.parse("198.18.0.1");
        int vip = Ipv4.parse("198.18.0.100");
        for (int port = from; ; port++) {
            if (new FlowKey().ipv4(client, vip, port, 53, 17).shard(2) == shard) {
                return port;
            }
        }
    }

    private static long destinationMac(byte[] frame) {
        return PacketBuffer.ofArray(frame).getU48(0);
    }

    @Test
    void eachWorkerForwardsItsOwnSourceOnItsOwnThreadAndKeepsItsOwnFlows() throws Exception {
        // As the steering program hands them out: each flow to the worker its key names.
        int onWorker0 = portOurHashPutsOn(0, 1000);
        int onWorker1 = portOurHashPutsOn(1, 2000);
        for (int round = 0; round < 3; round++) {
            sources.get(0).inbox.add(udp(onWorker0, round));
            sources.get(1).inbox.add(udp(onWorker1, round));
        }
        // A verdict is counted after the frame went to the sink: wait for both, or the counters race.
        await(() -> sinks.get(0).sent.size() == 3 && sinks.get(1).sent.size() == 3
                && control.dataPlane().counters().verdicts()[Verdict.FORWARDED] == 6, "3 datagrams from each worker");
        for (int w = 0; w < 2; w++) {
            int expectedPort = w == 0 ? onWorker0 : onWorker1;
            for (Sent s : sinks.get(w).sent) {
                assertEquals("dispatcher-fwd-" + w, s.thread(), "sent on the worker's own thread");
                assertEquals(expectedPort, PacketBuffer.ofArray(s.frame()).getU16(34), "only its own source's flow");
            }
            assertEquals(1, sinks.get(w).sent.stream().map(s -> destinationMac(s.frame())).distinct().count(),
                    "the flow stays on one server");
            var worker = pipeline.workers().get(w);
            assertEquals(1, worker.forwarder().flows().size(), "one flow in worker " + w + "'s table");
            assertEquals(3, worker.forwarder().counters().verdict(Verdict.FORWARDED));
        }
        for (int port : new int[] {onWorker0, onWorker1}) {
            Explanation e = control.explain(Ipv4.parse("198.18.0.1"), port,
                    new ServiceKey(Ipv4.parse("198.18.0.100"), 53, Protocol.UDP));
            assertEquals("existing flow", e.decision(), "explain finds the flow on port " + port + ": " + e);
            assertEquals("udp", e.flowState());
        }
        assertEquals(6, control.dataPlane().counters().verdicts()[Verdict.FORWARDED], "summed over the workers");
    }

    @Test
    void everyWorkerAdoptsANewTableAtTheTopOfItsNextBatch() throws Exception {
        control.setWeight(ServerRef.of("198.18.0.100", 53, "udp", "198.18.0.11"), 0);
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ports.add(3000 + i);
            sources.get(i % 2).inbox.add(udp(3000 + i, 0));
        }
        await(() -> sinks.get(0).sent.size() + sinks.get(1).sent.size() == ports.size(), "8 new flows forwarded");
        assertFalse(sinks.get(0).sent.isEmpty() || sinks.get(1).sent.isEmpty());
        for (RecordingSink sink : sinks) {
            for (Sent s : sink.sent) {
                assertEquals(0x020000000012L, destinationMac(s.frame()), "weight 0 on .11: every new flow to .12");
            }
        }
        for (var worker : pipeline.workers()) {
            assertEquals(control.tables().get(), worker.forwarder().table(), worker.name() + " adopted the new table");
        }
    }

    @Test
    void workerZeroAnswersArpThroughItsOwnSink() throws Exception {
        sources.get(0).inbox.add(Frames.arp(true, CLIENT, "ff:ff:ff:ff:ff:ff", CLIENT, "198.18.0.1",
                "00:00:00:00:00:00", "198.18.0.100", -1));
        await(() -> sinks.get(0).sent.size() == 1
                && pipeline.workers().getFirst().forwarder().counters().verdict(Verdict.ARP_REPLIED) == 1,
                "the ARP reply, counted");
        byte[] reply = sinks.get(0).sent.getFirst().frame();
        assertEquals(0x0806, PacketBuffer.ofArray(reply).getU16(12));
        assertEquals(0x020000000001L, destinationMac(reply), "to the asking client");
        assertEquals("dispatcher-fwd-0", sinks.get(0).sent.getFirst().thread());
        assertEquals(1, pipeline.workers().getFirst().forwarder().counters().verdict(Verdict.ARP_REPLIED));
        assertTrue(pipeline.workers().getFirst().arp() != null && pipeline.workers().get(1).arp() == null,
                "ARP state has one owner: worker 0");
        assertEquals(List.of(), sinks.get(1).sent);
    }

    @Test
    void aFlowHandedInLandsOnTheWorkerThatReceivesItsPacketsAndKeepsItsServer() throws Exception {
        int client = Ipv4.parse("198.18.0.1");
        int vip = Ipv4.parse("198.18.0.100");
        int pairOf12 = control.pair(new ServiceKey(vip, 53, dev.dispatcher.config.Protocol.UDP),
                Ipv4.parse("198.18.0.12"));
        for (int shard = 0; shard < 2; shard++) {
            int port = portOurHashPutsOn(shard, 5000 + shard * 1000);
            FlowKey key = new FlowKey().ipv4(client, vip, port, 53, 17);
            // Where the first new flow would go by round-robin: .11 (weights 1:1, .11 first).
            Explanation before = control.explain(Ipv4.parse("198.18.0.1"), port,
                    new ServiceKey(Ipv4.parse("198.18.0.100"), 53, Protocol.UDP));
            assertEquals("198.18.0.11", before.server(), "a new flow's server, told without taking a turn: " + before);
            assertEquals("wrr", before.scheduler());
            assertEquals(65_537, before.maglevSize());
            assertEquals(Long.remainderUnsigned(key.hash(), 65_537), (long) before.maglevSlot(), "the key's slot");
            assertTrue(List.of("198.18.0.11", "198.18.0.12").contains(before.lostSegmentServer()), before.toString());
            assertTrue(control.dataPlane().handOver(key, pairOf12, dev.dispatcher.dataplane.conntrack.FlowState.UDP,
                    60_000_000_000L));
            int worker = shard;
            await(() -> pipeline.workers().get(worker).forwarder().flows().size() == 1, "the flow in worker " + shard);
            sources.get(shard).inbox.add(udp(port, 0));
            await(() -> sinks.get(worker).sent.size() == 1, "the packet forwarded by worker " + shard);
            assertEquals(0x020000000012L, destinationMac(sinks.get(worker).sent.getFirst().frame()),
                    "the handed-in flow keeps its server, not the scheduler's next pick");
            assertEquals(1, pipeline.workers().get(worker).forwarder().counters()
                    .get(dev.dispatcher.dataplane.forward.ForwarderCounters.LOOKUP_HIT));
            Explanation after = control.explain(Ipv4.parse("198.18.0.1"), port,
                    new ServiceKey(Ipv4.parse("198.18.0.100"), 53, Protocol.UDP));
            assertEquals("existing flow", after.decision());
            assertEquals("198.18.0.12", after.server());
        }
        assertEquals(0, pipeline.workers().get(0).forwarder().counters().verdict(Verdict.NO_SERVER));
    }
}
