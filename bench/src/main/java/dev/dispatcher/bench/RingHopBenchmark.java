package dev.dispatcher.bench;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventFactory;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import dev.dispatcher.packet.PacketBuffer;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One ring hop of {@code pipeline.mode: ring}: the cost per frame of handing 64-byte frames from
 * a producer thread (the JMH thread, playing {@code dispatcher-rx}) to a consumer thread (playing
 * {@code dispatcher-fwd-0}) through an LMAX Disruptor ring, as {@code RingPipeline} does. Variant
 * {@link #frame}: one frame copied into each preallocated slot, the project's layout
 * ({@code FrameSlot} is package-private, so the slot here is a copy of its shape: a
 * {@code snaplen}-byte buffer, wire length, timestamp). Variant {@link #batch}: 32 frames per slot,
 * each still copied into its own {@code snaplen} region, so the two differ only in how many
 * sequence claims, publishes and consumer wake-ups a frame shares. Both rings hold 4096 frames
 * (the default {@code ring-size}; 128 slots for the batch variant) and copy with
 * {@code MemorySegment.copy} as {@code RingPipeline.publish} does. The consumer reads the first and
 * the last byte of every frame, so both cache lines the copy wrote really move to its core.
 *
 * <p>What the figure is: producer-side throughput in steady state, ns per frame, with the consumer
 * running on the other core. When the ring is full the producer spins until a slot is free (the
 * dispatcher would count {@code ring_full} and drop instead), so the figure is the cost of the
 * slower side of the hop, not a latency: a frame's one-way latency is not measured here. Shard
 * selection (a header parse) is left out: it is the parse baseline's cost. On a 2-core machine
 * the two threads take both cores, so any other load on the machine shows up here first.
 * {@code waitStrategy} is the consumer's: {@code blocking} (the default; the producer then signals
 * under a lock on every publish) or {@code busy-spin}. Tear-down checks that the consumer saw
 * every frame published.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
@Threads(1)
public class RingHopBenchmark {
    static final int FRAME_BYTES = 64;
    static final int SNAPLEN = 2048;
    static final int RING_FRAMES = 4096;
    static final int BATCH = 32;

    /** The frames the producer copies: 32 distinct flows, as a receive batch would bring. */
    static PacketBuffer[] sourceFrames() {
        PacketBuffer[] frames = new PacketBuffer[BATCH];
        for (int i = 0; i < BATCH; i++) {
            byte[] f = new byte[FRAME_BYTES];
            TcpFrames.write(f, 0, TcpFrames.CLIENT_IP, 10000 + i, false);
            frames[i] = PacketBuffer.ofArray(f);
        }
        return frames;
    }

    /** The shape of the project's {@code FrameSlot}: one frame per slot. */
    static final class FrameSlot {
        final PacketBuffer frame = new PacketBuffer().wrap(MemorySegment.ofArray(new byte[SNAPLEN]), 0, 0);
        int wireLength;
        long timestampNanos;
    }

    /** Up to {@link #BATCH} frames per slot, each in its own {@link #SNAPLEN} region. */
    static final class BatchSlot {
        final MemorySegment data = MemorySegment.ofArray(new byte[BATCH * SNAPLEN]);
        final int[] lengths = new int[BATCH];
        int count;
        long timestampNanos;
    }

    /** Sums two bytes of each frame it is handed, so the consumer really reads what was copied. */
    static final class Reader {
        long frames;
        long sum;

        void read(PacketBuffer frame) {
            sum += frame.getU8(0) + frame.getU8(frame.length() - 1);
            frames++;
        }
    }

    /** A single-producer ring with one consumer thread; the JMH thread is the producer. */
    @State(Scope.Benchmark)
    public abstract static class Ring<T> {
        @Param({"blocking", "busy-spin"})
        String waitStrategy;

        RingBuffer<T> ring;
        final Reader reader = new Reader();
        final PacketBuffer[] sources = sourceFrames();
        long published;
        private BatchEventProcessor<T> processor;
        private Thread consumer;

        abstract EventFactory<T> factory();

        abstract int slots();

        abstract EventHandler<T> handler();

        @Setup
        public void start() {
            WaitStrategy strategy = switch (waitStrategy) {
                case "blocking" -> new BlockingWaitStrategy();
                case "busy-spin" -> new BusySpinWaitStrategy();
                default -> throw new IllegalArgumentException("waitStrategy: " + waitStrategy);
            };
            ring = RingBuffer.createSingleProducer(factory(), slots(), strategy);
            processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), handler());
            ring.addGatingSequences(processor.getSequence());
            consumer = Thread.ofPlatform().name("bench-ring-consumer").daemon().start(processor);
            // A processor halted before its thread ran would never read the ring.
            while (!processor.isRunning()) {
                Thread.onSpinWait();
            }
        }

        /** Claims the next slot, spinning while the ring is full: see the class comment. */
        long claim() {
            while (!ring.hasAvailableCapacity(1)) {
                Thread.onSpinWait();
            }
            return ring.next();
        }

        @TearDown
        public void stop() throws InterruptedException {
            long last = ring.getCursor();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (processor.getSequence().get() < last && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            processor.halt();
            consumer.join(10_000);
            if (consumer.isAlive()) {
                throw new IllegalStateException("ring consumer did not stop");
            }
            // join() orders the consumer's plain writes before these reads.
            if (reader.frames != published || reader.sum == 0) {
                throw new IllegalStateException("consumer read " + reader.frames + " of " + published + " frames");
            }
        }
    }

    public static class FrameRing extends Ring<FrameSlot> {
        private final PacketBuffer view = new PacketBuffer();

        @Override
        EventFactory<FrameSlot> factory() {
            return FrameSlot::new;
        }

        @Override
        int slots() {
            return RING_FRAMES;
        }

        @Override
        EventHandler<FrameSlot> handler() {
            return (slot, sequence, endOfBatch) -> reader.read(view.wrap(slot.frame.segment(), 0, slot.frame.length()));
        }
    }

    public static class BatchRing extends Ring<BatchSlot> {
        private final PacketBuffer view = new PacketBuffer();

        @Override
        EventFactory<BatchSlot> factory() {
            return BatchSlot::new;
        }

        @Override
        int slots() {
            return RING_FRAMES / BATCH;
        }

        @Override
        EventHandler<BatchSlot> handler() {
            return (slot, sequence, endOfBatch) -> {
                for (int i = 0; i < slot.count; i++) {
                    reader.read(view.wrap(slot.data, (long) i * SNAPLEN, slot.lengths[i]));
                }
            };
        }
    }

    @Benchmark
    public long frame(FrameRing r) {
        PacketBuffer source = r.sources[(int) (r.published & (BATCH - 1))];
        long sequence = r.claim();
        try {
            FrameSlot slot = r.ring.get(sequence);
            slot.frame.length(source.length());
            MemorySegment.copy(source.segment(), source.offset(), slot.frame.segment(), slot.frame.offset(),
                    source.length());
            slot.wireLength = source.length();
            slot.timestampNanos = sequence;
        } finally {
            r.ring.publish(sequence);
        }
        r.published++;
        return sequence;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long batch(BatchRing r) {
        long sequence = r.claim();
        try {
            BatchSlot slot = r.ring.get(sequence);
            for (int i = 0; i < BATCH; i++) {
                PacketBuffer source = r.sources[i];
                MemorySegment.copy(source.segment(), source.offset(), slot.data, (long) i * SNAPLEN, source.length());
                slot.lengths[i] = source.length();
            }
            slot.count = BATCH;
            slot.timestampNanos = sequence;
        } finally {
            r.ring.publish(sequence);
        }
        r.published += BATCH;
        return sequence;
    }
}
