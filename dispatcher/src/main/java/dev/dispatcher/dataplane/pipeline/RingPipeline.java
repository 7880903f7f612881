package dev.dispatcher.dataplane.pipeline;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;
import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.packet.PacketBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * Receive thread ({@code dispatcher-rx}) into a Disruptor ring of preallocated frame slots,
 * consumed by N forwarding workers ({@code dispatcher-fwd-i}). Every worker sees every slot and
 * handles those of its shard, so no flow state is shared between threads; each worker flushes its
 * sends at the Disruptor's end of batch. A frame that finds the ring full is dropped as
 * {@code ring_full} when the source is live (the receive thread never waits for the workers), and
 * waits for a free slot when the source is a file ({@link PacketSource#offline}).
 *
 * <p>One frame per slot. JMH ({@code RingHopBenchmark}, 2-core VM): a hop costs 60-70 ns per
 * frame with the busy-spin wait strategy and about 200 ns with the default blocking one, against
 * 15-40 ns with 32 frames per slot. Against pcap4j's 1.8-5.9 us per frame that is noise; against the
 * AF_PACKET backend's 2.8 us per frame of kernel work it is up to 7%. On hosts with cores to spare
 * and the afpacket backend, {@code pipeline.mode: fanout} has no hop at all (each worker owns a
 * socket), which is why batching slots was not pursued.
 */
public final class RingPipeline implements Pipeline {
    private static final long FULL_RING_PARK_NANOS = 10_000;

    private final PacketSource source;
    private final List<ForwardingWorker> workers;
    private final int batchSize;
    private final RingBuffer<FrameSlot> ring;
    private final List<BatchEventProcessor<FrameSlot>> processors = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final ShardSelector shards;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final FrameHandler publisher = this::publish;
    /** A file: a full ring holds the reader back instead of dropping ({@link PacketSource#offline}). */
    private final boolean waitWhenFull;
    private final DutyCycleRunner runner = new DutyCycleRunner();
    private long ringFull;

    public RingPipeline(PacketSource source, List<ForwardingWorker> workers, int batchSize, int ringSize,
                        int snaplen, WaitStrategy waitStrategy) {
        this.source = source;
        this.waitWhenFull = source.offline();
        this.workers = List.copyOf(workers);
        this.batchSize = batchSize;
        this.ring = RingBuffer.createSingleProducer(() -> new FrameSlot(snaplen), ringSize, waitStrategy);
        this.shards = new ShardSelector(workers.size());
        SequenceBarrier barrier = ring.newBarrier();
        for (int i = 0; i < this.workers.size(); i++) {
            BatchEventProcessor<FrameSlot> processor =
                    new BatchEventProcessorBuilder().build(ring, barrier, new WorkerHandler(i, this.workers.get(i)));
            processors.add(processor);
            ring.addGatingSequences(processor.getSequence());
        }
    }

    private static final class WorkerHandler implements EventHandler<FrameSlot> {
        private final int shard;
        private final ForwardingWorker worker;

        WorkerHandler(int shard, ForwardingWorker worker) {
            this.shard = shard;
            this.worker = worker;
        }

        @Override
        public void onEvent(FrameSlot slot, long sequence, boolean endOfBatch) {
            if (!slot.tick && slot.shard == shard) {
                worker.onFrame(slot.frame, slot.wireLength, slot.timestampNanos);
            }
            if (endOfBatch) {
                worker.endOfBatch(slot.timestampNanos);
            }
        }
    }

    private void publish(PacketBuffer frame, int wireLength, long timestampNanos) {
        // Single producer: a capacity check followed by next() cannot race, and avoids both
        // blocking the receive thread and tryNext()'s exception.
        if (!ring.hasAvailableCapacity(1) && !(waitWhenFull && awaitCapacity())) {
            ringFull++;
            return;
        }
        long sequence = ring.next();
        try {
            FrameSlot slot = ring.get(sequence);
            slot.tick = false;
            slot.frame.length(Math.min(frame.length(), slot.frame.capacity()));
            java.lang.foreign.MemorySegment.copy(frame.segment(), frame.offset(), slot.frame.segment(),
                    slot.frame.offset(), slot.frame.length());
            slot.wireLength = frame.length() > slot.frame.length() ? Math.max(wireLength, frame.length()) : wireLength;
            slot.timestampNanos = timestampNanos;
            slot.shard = shards.shardOf(slot.frame);
        } finally {
            ring.publish(sequence);
        }
    }

    /**
     * Waits until a slot is free; false if the pipeline is stopping or a worker has stopped, which
     * would otherwise leave this thread waiting forever. Parks rather than spins: the thread would
     * otherwise take the core a worker needs to free the slot.
     */
    private boolean awaitCapacity() {
        while (!ring.hasAvailableCapacity(1)) {
            if (!runner.running()) {
                return false;
            }
            for (BatchEventProcessor<FrameSlot> p : processors) {
                if (!p.isRunning()) {
                    return false;
                }
            }
            LockSupport.parkNanos(FULL_RING_PARK_NANOS);
        }
        return true;
    }

    private void publishTick() {
        if (!ring.hasAvailableCapacity(1)) {
            return;
        }
        long sequence = ring.next();
        try {
            FrameSlot slot = ring.get(sequence);
            slot.tick = true;
            slot.timestampNanos = source.nowNanos();
        } finally {
            ring.publish(sequence);
        }
    }

    @Override
    public void start() {
        for (int i = 0; i < processors.size(); i++) {
            threads.add(Thread.ofPlatform().name("dispatcher-fwd-" + i).start(processors.get(i)));
        }
        // A processor halted before its thread ran would exit without reading the ring, so the
        // receive stage starts only once every worker is consuming.
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (BatchEventProcessor<FrameSlot> p : processors) {
            while (!p.isRunning()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("forwarding workers did not start within 10 s");
                }
                Thread.onSpinWait();
                Thread.yield();
            }
        }
        threads.add(Thread.ofPlatform().name("dispatcher-rx").start(this::runUntilStopped));
    }

    /** The receive loop; {@link #start} runs it on {@code dispatcher-rx}. */
    @Override
    public void runUntilStopped() {
        try {
            runner.run(this::receiveIntoRing, DutyCycleRunner.SOURCE_WAITS);
            // Let the workers drain what is in the ring before they stop.
            long last = ring.getCursor();
            for (BatchEventProcessor<FrameSlot> p : processors) {
                while (p.isRunning() && p.getSequence().get() < last) {
                    Thread.onSpinWait();
                }
            }
            publishTick();
            long tick = ring.getCursor();
            for (BatchEventProcessor<FrameSlot> p : processors) {
                while (p.isRunning() && p.getSequence().get() < tick) {
                    Thread.onSpinWait();
                }
                p.halt();
            }
        } finally {
            finished.countDown();
        }
    }

    /** The receive thread's duty cycle: a batch into the ring, or a tick when nothing came. */
    private int receiveIntoRing() {
        int n = source.poll(publisher, batchSize);
        if (n == PacketSource.END_OF_STREAM) {
            return DutyCycle.END;
        }
        if (n == 0) {
            // Idle workers still run their timers and take their inbox at the tick.
            publishTick();
        }
        return n;
    }

    @Override
    public void stop() {
        runner.stop();
        source.wakeup();
    }

    @Override
    public boolean ended() {
        return finished.getCount() == 0;
    }

    @Override
    public void awaitTermination() throws InterruptedException {
        finished.await();
        for (Thread t : threads) {
            t.join();
        }
    }

    @Override
    public List<ForwardingWorker> workers() {
        return workers;
    }

    @Override
    public long ringFullDrops() {
        return ringFull;
    }

    @Override
    public int ringCapacity() {
        return ring.getBufferSize();
    }

    @Override
    public long ringOccupancy() {
        return ring.getBufferSize() - ring.remainingCapacity();
    }
}
