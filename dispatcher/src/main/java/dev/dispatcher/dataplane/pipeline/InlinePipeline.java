package dev.dispatcher.dataplane.pipeline;

import dev.dispatcher.dataplane.io.PacketSource;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Receive, decide and send on one thread ({@code dispatcher-fwd-0}), batch by batch. */
public final class InlinePipeline implements Pipeline {
    private final PacketSource source;
    private final ForwardingWorker worker;
    private final int batchSize;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final DutyCycleRunner runner = new DutyCycleRunner();
    private Thread thread;

    public InlinePipeline(PacketSource source, ForwardingWorker worker, int batchSize) {
        this.source = source;
        this.worker = worker;
        this.batchSize = batchSize;
    }

    @Override
    public void start() {
        thread = Thread.ofPlatform().name("dispatcher-fwd-0").start(this::runUntilStopped);
    }

    @Override
    public void runUntilStopped() {
        try {
            runner.run(new ReceiveAndForward(source, worker, batchSize), DutyCycleRunner.SOURCE_WAITS);
        } finally {
            finished.countDown();
        }
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
    }

    @Override
    public List<ForwardingWorker> workers() {
        return List.of(worker);
    }

    @Override
    public long ringFullDrops() {
        return 0;
    }
}
