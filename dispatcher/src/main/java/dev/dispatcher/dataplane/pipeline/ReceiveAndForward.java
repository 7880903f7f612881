package dev.dispatcher.dataplane.pipeline;

import dev.dispatcher.dataplane.io.PacketSource;

/**
 * The duty cycle of a worker that owns its source (inline mode, each fanout worker): poll a batch
 * straight into the worker, then end the batch (flush, timers), also when nothing came.
 */
final class ReceiveAndForward implements DutyCycle {
    private final PacketSource source;
    private final ForwardingWorker worker;
    private final int batchSize;

    ReceiveAndForward(PacketSource source, ForwardingWorker worker, int batchSize) {
        this.source = source;
        this.worker = worker;
        this.batchSize = batchSize;
    }

    @Override
    public int doWork() {
        int n = source.poll(worker, batchSize);
        if (n == PacketSource.END_OF_STREAM) {
            return END;
        }
        worker.endOfBatch(source.nowNanos());
        return n;
    }
}
