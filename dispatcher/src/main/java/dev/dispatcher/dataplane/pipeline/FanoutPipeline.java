package dev.dispatcher.dataplane.pipeline;

import dev.dispatcher.dataplane.io.PacketSource;
import java.util.ArrayList;
import java.util.List;

/**
 * N inline loops side by side: worker i ({@code dispatcher-fwd-i}) polls its own source, decides
 * each frame and sends through its own sink, batch by batch, exactly as {@link InlinePipeline}
 * does for one. The sources are the members of a kernel fanout group, whose flow hash keeps every
 * frame of a flow on one member, so each worker's flow table holds whole flows and no state is
 * shared between threads: no receive thread, no ring, no hand-off. Worker 0 owns ARP; its source
 * also reads the ARP socket. Each worker adopts a new forwarding table at the top of its own
 * batch, so a table swap reaches every worker within one poll timeout.
 */
public final class FanoutPipeline implements Pipeline {
    private final List<PacketSource> sources;
    private final List<ForwardingWorker> workers;
    private final int batchSize;
    private final List<Thread> threads = new ArrayList<>();
    private final DutyCycleRunner runner = new DutyCycleRunner();

    /** {@code sources.get(i)} is polled by {@code workers.get(i)} alone. */
    public FanoutPipeline(List<PacketSource> sources, List<ForwardingWorker> workers, int batchSize) {
        if (sources.size() != workers.size() || workers.isEmpty()) {
            throw new IllegalArgumentException("one source per worker, at least one: " + sources.size() + " sources, "
                    + workers.size() + " workers");
        }
        this.sources = List.copyOf(sources);
        this.workers = List.copyOf(workers);
        this.batchSize = batchSize;
    }

    @Override
    public void start() {
        for (int i = 0; i < workers.size(); i++) {
            int worker = i;
            threads.add(Thread.ofPlatform().name("dispatcher-fwd-" + i).start(() -> loop(worker)));
        }
    }

    /** Starts the workers and waits on the caller's thread until all have ended. */
    @Override
    public void runUntilStopped() {
        start();
        try {
            awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop(int index) {
        runner.run(new ReceiveAndForward(sources.get(index), workers.get(index), batchSize),
                DutyCycleRunner.SOURCE_WAITS);
    }

    @Override
    public void stop() {
        runner.stop();
        for (PacketSource source : sources) {
            source.wakeup();
        }
    }

    @Override
    public boolean ended() {
        return !threads.isEmpty() && threads.stream().noneMatch(Thread::isAlive);
    }

    @Override
    public void awaitTermination() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    @Override
    public List<ForwardingWorker> workers() {
        return workers;
    }

    /** The sources, in worker order (for counters the control plane sums over them). */
    public List<PacketSource> sources() {
        return sources;
    }

    @Override
    public long ringFullDrops() {
        return 0;
    }
}
