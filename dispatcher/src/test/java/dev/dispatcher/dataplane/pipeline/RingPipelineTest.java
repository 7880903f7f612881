package dev.dispatcher.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.control.ControlPlane;
import dev.dispatcher.control.CounterSnapshot;
import dev.dispatcher.control.DataPlaneFactory;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.Frames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A full ring, made certain: the first send of every worker holds its worker until the ring is
 * full (or the source has handed over everything), so the receive stage meets a full ring
 * whatever the speed of the machine. An offline source (a file) must then wait for the workers and
 * lose nothing; a live one must not wait (the receive thread keeps reading, the kernel keeps
 * receiving) and counts what did not fit as {@code ring_full}.
 */
class RingPipelineTest {
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
            pipeline:
              mode: ring
              workers: %d
              ring-size: 64
            """;
    private static final int FRAMES = 2_000;
    private static final int FLOWS = 16;
    /** Only a fallback against a hang: the tests assert counts, never how long anything took. */
    private static final long HOLD_LIMIT_NANOS = 10_000_000_000L;

    @TempDir
    Path dir;

    /** FRAMES UDP datagrams of FLOWS flows, all to the VIP: each is forwarded when it reaches a worker. */
    private static final class ListSource implements PacketSource {
        private final List<byte[]> frames = new ArrayList<>();
        private final boolean offline;
        private int next;
        volatile boolean exhausted;

        ListSource(boolean offline) {
            this.offline = offline;
            for (int i = 0; i < FRAMES; i++) {
                frames.add(Frames.udp(Frames.CLIENT_MAC, Frames.DISPATCHER_MAC, Frames.CLIENT_IP, Frames.VIP,
                        10_000 + i % FLOWS, 53, new byte[] {(byte) i}));
            }
        }

        @Override
        public int poll(FrameHandler handler, int maxFrames) {
            if (next == frames.size()) {
                exhausted = true;
                return END_OF_STREAM;
            }
            int n = 0;
            while (n < maxFrames && next < frames.size()) {
                byte[] frame = frames.get(next++);
                handler.onFrame(PacketBuffer.ofArray(frame), frame.length, next * 1_000L);
                n++;
            }
            return n;
        }

        @Override
        public long nowNanos() {
            return next * 1_000L;
        }

        @Override
        public boolean offline() {
            return offline;
        }

        @Override
        public void close() {
        }
    }

    /** Holds its worker on the first send until {@code release} is true. */
    private static final class HoldingSink implements PacketSink {
        private final BooleanSupplier release;
        private final AtomicLong sent;
        private boolean held;

        HoldingSink(BooleanSupplier release, AtomicLong sent) {
            this.release = release;
            this.sent = sent;
        }

        @Override
        public boolean send(PacketBuffer frame) {
            if (!held) {
                held = true;
                long deadline = System.nanoTime() + HOLD_LIMIT_NANOS;
                while (!release.getAsBoolean() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            }
            sent.incrementAndGet();
            return true;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** Runs the source through a ring pipeline whose workers are held until {@code release} says so. */
    private CounterSnapshot run(ListSource source, int workers, Predicate<Pipeline> release, AtomicLong sent)
            throws Exception {
        Path file = dir.resolve("dispatcher.yaml");
        Files.writeString(file, YAML.formatted(workers));
        DispatcherConfig config = ConfigLoader.load(file);
        ControlPlane control = new ControlPlane(config, "eth0", 0x020000000002L, Ipv4.parse("198.18.0.2"), 1500);
        AtomicReference<Pipeline> ref = new AtomicReference<>();
        Pipeline pipeline = DataPlaneFactory.build(config, PipelineMode.RING, control.tables(),
                DataPlaneFactory.neighbours(), DataPlaneFactory.arpTimings(config).passive(), source,
                inline -> new HoldingSink(() -> release.test(ref.get()), sent));
        ref.set(pipeline);
        pipeline.start();
        pipeline.awaitTermination();
        return CounterSnapshot.of(pipeline);
    }

    @ParameterizedTest(name = "{0} worker(s)")
    @ValueSource(ints = {1, 3})
    void anOfflineSourceWaitsForAFullRingAndLosesNothing(int workers) throws Exception {
        AtomicLong sent = new AtomicLong();
        ListSource source = new ListSource(true);
        CounterSnapshot counters = run(source, workers,
                p -> p.ringOccupancy() == p.ringCapacity() || source.exhausted, sent);
        assertEquals(0, counters.verdicts()[Verdict.RING_FULL], "ring_full");
        assertEquals(FRAMES, counters.verdicts()[Verdict.FORWARDED], "every frame forwarded");
        assertEquals(FRAMES, counters.received(), "every frame has exactly one verdict");
        assertEquals(FRAMES, sent.get(), "frames sent");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDeadWorkerDoesNotLeaveAnOfflineReaderWaitingForever() throws Exception {
        AtomicLong sent = new AtomicLong();
        ListSource source = new ListSource(true);
        Path file = dir.resolve("dispatcher.yaml");
        Files.writeString(file, YAML.formatted(1));
        DispatcherConfig config = ConfigLoader.load(file);
        ControlPlane control = new ControlPlane(config, "eth0", 0x020000000002L, Ipv4.parse("198.18.0.2"), 1500);
        AtomicReference<Pipeline> ref = new AtomicReference<>();
        Pipeline pipeline = DataPlaneFactory.build(config, PipelineMode.RING, control.tables(),
                DataPlaneFactory.neighbours(), DataPlaneFactory.arpTimings(config).passive(), source,
                inline -> new HoldingSink(() -> {
                    Pipeline p = ref.get();
                    if (p.ringOccupancy() == p.ringCapacity()) {
                        throw new IllegalStateException("a worker dies (expected by the test)");
                    }
                    return false;
                }, sent));
        ref.set(pipeline);
        pipeline.start();
        pipeline.awaitTermination();
        CounterSnapshot counters = CounterSnapshot.of(pipeline);
        assertTrue(source.exhausted, "the reader read to the end");
        // The worker died on the first frame with the ring full: those 64 frames went with it,
        // every later one found the ring full and no worker to wait for.
        assertEquals(FRAMES - 64, counters.verdicts()[Verdict.RING_FULL], "ring_full");
        assertEquals(FRAMES - 64, counters.received(), "frames with a verdict");
    }

    @ParameterizedTest(name = "{0} worker(s)")
    @ValueSource(ints = {1, 3})
    void aLiveSourceNeverWaitsForTheRingAndCountsWhatDidNotFit(int workers) throws Exception {
        AtomicLong sent = new AtomicLong();
        ListSource source = new ListSource(false);
        CounterSnapshot counters = run(source, workers, p -> source.exhausted, sent);
        long ringFull = counters.verdicts()[Verdict.RING_FULL];
        // The workers were held until the source had handed over every frame, so the receive
        // stage did not wait for them: all but what the 64 slots held (and the held frames) was
        // dropped.
        assertTrue(ringFull >= FRAMES - 64 - workers, "ring_full " + ringFull);
        assertEquals(FRAMES, counters.received(), "every frame has exactly one verdict, ring_full included");
        assertEquals(FRAMES - ringFull, counters.verdicts()[Verdict.FORWARDED], "forwarded: what fit in the ring");
        assertEquals(FRAMES - ringFull, sent.get(), "frames sent");
    }
}
