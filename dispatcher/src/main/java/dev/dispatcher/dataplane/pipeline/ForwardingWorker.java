package dev.dispatcher.dataplane.pipeline;

import dev.dispatcher.dataplane.arp.ArpAgent;
import dev.dispatcher.dataplane.forward.Forwarder;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.packet.PacketBuffer;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One forwarding worker's duty cycle: adopt the newest forwarding table at the top of a batch,
 * decide each frame, flush sends at the end of the batch, then run timers (ARP, flow expiry). The
 * same object serves the inline and the ring pipeline, so both behave identically.
 */
public final class ForwardingWorker implements FrameHandler {
    /** Flow-table slots examined for expiry per duty cycle: constant work, whatever the size. */
    static final int SWEEP_SLOTS_PER_CYCLE = 256;

    private final String name;
    private final Forwarder forwarder;
    private final ArpAgent arp;
    private final PacketSink sink;
    private final AtomicReference<ForwardingTable> tables;
    private final LatencySamples latency = new LatencySamples();
    private long frames;
    private long lastNanos;
    private boolean inBatch;

    public ForwardingWorker(String name, Forwarder forwarder, ArpAgent arp, PacketSink sink,
                            AtomicReference<ForwardingTable> tables) {
        this.name = name;
        this.forwarder = forwarder;
        this.arp = arp;
        this.sink = sink;
        this.tables = tables;
    }

    public String name() {
        return name;
    }

    public Forwarder forwarder() {
        return forwarder;
    }

    public ArpAgent arp() {
        return arp;
    }

    @Override
    public void onFrame(PacketBuffer frame, int wireLength, long timestampNanos) {
        if (!inBatch) {
            beginBatch();
        }
        lastNanos = timestampNanos;
        if ((++frames & (LatencySamples.SAMPLE_EVERY - 1)) != 0) {
            forwarder.process(frame, wireLength, timestampNanos, sink);
            return;
        }
        long start = System.nanoTime();
        forwarder.process(frame, wireLength, timestampNanos, sink);
        latency.record(System.nanoTime() - start);
    }

    /**
     * The timestamp of the frame this worker is handling (or handled last): the time of what it
     * sends. Read by its sink, on its own thread. The source's clock is not that in ring mode,
     * where the receive thread reads ahead by up to a ring of frames.
     */
    public long frameNanos() {
        return lastNanos;
    }

    public LatencySamples latency() {
        return latency;
    }

    /**
     * Frames this worker has handled. A plain long written by the worker only and read racily by
     * the metrics scraper, like the forwarder's counters.
     */
    public long frames() {
        return frames;
    }

    private void beginBatch() {
        inBatch = true;
        ForwardingTable latest = tables.get();
        if (latest != forwarder.table()) {
            forwarder.adopt(latest);
        }
    }

    /** End of a batch (or an idle poll): flush, then timers, then flush what the timers sent. */
    public void endOfBatch(long nowNanos) {
        if (!inBatch) {
            beginBatch();
        }
        inBatch = false;
        sink.flush();
        long now = Math.max(nowNanos, lastNanos);
        if (arp != null) {
            arp.onTimer(now, sink);
        }
        forwarder.flows().sweep(now, SWEEP_SLOTS_PER_CYCLE);
        sink.flush();
    }
}
