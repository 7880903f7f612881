package dev.dispatcher.dataplane.pipeline;

import dev.dispatcher.dataplane.arp.ArpAgent;
import dev.dispatcher.dataplane.conntrack.FlowEvents;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.forward.Forwarder;
import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.packet.PacketBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One forwarding worker's duty cycle: at the top of a batch adopt the newest forwarding table and
 * take the commands in its inbox (flows to insert or remove, questions about a flow), then decide
 * each frame, flush sends at the end of the batch, then run timers (ARP, flow expiry). Flow events
 * go to its outbox while the control plane wants them. The same object serves every pipeline, so
 * all behave identically.
 */
public final class ForwardingWorker implements FrameHandler, FlowRing.Handler, FlowEvents {
    private static final VarHandle FRAMES;

    static {
        try {
            FRAMES = MethodHandles.lookup().findVarHandle(ForwardingWorker.class, "frames", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Flow-table slots examined for expiry per duty cycle: constant work, whatever the size. */
    static final int SWEEP_SLOTS_PER_CYCLE = 256;
    /** Slots a bulk copy looks at per chunk; chunks go on while the events outbox has room. */
    static final int DUMP_SLOTS_PER_CHUNK = 1024;
    /** Bounds a batch's share of a bulk copy (16 Ki slots: a few hundred microseconds at most). */
    static final int DUMP_CHUNKS_PER_BATCH = 16;

    private final String name;
    private final Forwarder forwarder;
    private final ArpAgent arp;
    private final PacketSink sink;
    private final AtomicReference<ForwardingTable> tables;
    private final LatencySamples latency = new LatencySamples();
    private final WorkerMailbox mailbox;
    /** Written by this worker only (opaque), read by the metrics scraper (acquire). */
    private long frames;
    private long lastNanos;
    private boolean inBatch;
    private boolean eventsOn;
    /** The next slot of a bulk copy under way, -1 when there is none. */
    private int dumpCursor = -1;
    private long dumpRequest;
    private boolean started;
    /** The clock for the commands of this batch: its first frame's time, or the idle poll's. */
    private long commandNanos;

    public ForwardingWorker(String name, Forwarder forwarder, ArpAgent arp, PacketSink sink,
                            AtomicReference<ForwardingTable> tables) {
        this(name, forwarder, arp, sink, tables, new WorkerMailbox(4096, 65536));
    }

    public ForwardingWorker(String name, Forwarder forwarder, ArpAgent arp, PacketSink sink,
                            AtomicReference<ForwardingTable> tables, WorkerMailbox mailbox) {
        this.name = name;
        this.forwarder = forwarder;
        this.arp = arp;
        this.sink = sink;
        this.tables = tables;
        this.mailbox = mailbox;
    }

    /** The control plane's way in and out of this worker. */
    public WorkerMailbox mailbox() {
        return mailbox;
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
        lastNanos = timestampNanos;
        if (!inBatch) {
            beginBatch(timestampNanos);
        }
        long count = frames + 1;
        FRAMES.setOpaque(this, count);
        if ((count & (LatencySamples.SAMPLE_EVERY - 1)) != 0) {
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

    /** Frames this worker has handled; any thread. */
    public long frames() {
        return (long) FRAMES.getAcquire(this);
    }

    private void beginBatch(long nowNanos) {
        inBatch = true;
        commandNanos = nowNanos;
        ForwardingTable latest = tables.get();
        if (latest != forwarder.table()) {
            forwarder.adopt(latest);
        }
        boolean wanted = mailbox.eventsWanted();
        if (wanted != eventsOn) {
            eventsOn = wanted;
            forwarder.flows().events(wanted ? this : FlowEvents.NONE);
        }
        // The first batch takes the whole inbox: flows restored at a start are all in before the
        // first frame; later batches take a bounded share, so a bulk insert never stalls forwarding.
        mailbox.inbox.drain(this, started ? WorkerMailbox.COMMANDS_PER_BATCH : Integer.MAX_VALUE);
        started = true;
    }

    /** A command from the inbox, at the top of a batch. */
    @Override
    public void onRecord(FlowRecord command) {
        FlowTable flows = forwarder.flows();
        long now = commandNanos;
        switch (command.kind) {
            case FlowRecord.INSERT -> flows.restore(command.key, command.pair, command.state, now, command.nanos);
            case FlowRecord.REMOVE -> {
                int slot = flows.peek(command.key, now);
                if (slot != FlowTable.MISS) {
                    flows.remove(slot);
                }
            }
            case FlowRecord.PEEK -> answer(command, flows, now);
            case FlowRecord.DUMP -> {
                dumpCursor = 0;
                dumpRequest = command.request;
            }
            default -> {
                // Nothing else is sent to a worker.
            }
        }
    }

    /** Where a flow goes: its entry, or the pair a new flow would get, taking no scheduler turn. */
    private void answer(FlowRecord question, FlowTable flows, long now) {
        FlowRecord reply = mailbox.replies.claim();
        if (reply == null) {
            // The asker gives up after its timeout; a full reply ring means it stopped reading.
            return;
        }
        reply.key.copyFrom(question.key);
        reply.request = question.request;
        int slot = flows.peek(question.key, now);
        if (slot != FlowTable.MISS) {
            reply.kind = FlowRecord.FOUND;
            reply.pair = flows.pairAt(slot);
            reply.state = flows.stateAt(slot);
            reply.nanos = flows.remainingNanos(slot, now);
        } else {
            reply.kind = FlowRecord.NEW_FLOW;
            int service = forwarder.table().service(question.key);
            reply.pair = service < 0 ? -1 : forwarder.schedulers().peek(service, question.key.hash());
            reply.state = 0;
            reply.nanos = 0;
        }
        mailbox.replies.commit();
    }

    /** A flow event of this worker's table, while the control plane wants them. */
    @Override
    public void flowEvent(int kind, FlowKey key, int pair, int state, long nanos) {
        FlowRecord event = mailbox.events.claim();
        if (event == null) {
            mailbox.lostEvent();
            return;
        }
        event.kind = kind;
        event.key.copyFrom(key);
        event.pair = pair;
        event.state = state;
        event.nanos = nanos;
        mailbox.events.commit();
    }

    /** End of a batch (or an idle poll): flush, then timers, then flush what the timers sent. */
    public void endOfBatch(long nowNanos) {
        if (!inBatch) {
            beginBatch(Math.max(nowNanos, lastNanos));
        }
        inBatch = false;
        sink.flush();
        long now = Math.max(nowNanos, lastNanos);
        if (arp != null) {
            arp.onTimer(now, sink);
        }
        forwarder.flows().sweep(now, SWEEP_SLOTS_PER_CYCLE);
        dumpChunk(now);
        sink.flush();
    }

    /**
     * A share of a bulk copy, while the events outbox has room for a chunk's worth: a million
     * flows go out over many batches, and forwarding never waits for them.
     */
    private void dumpChunk(long now) {
        if (dumpCursor < 0 || !eventsOn) {
            return;
        }
        FlowRing events = mailbox.events;
        for (int chunk = 0; chunk < DUMP_CHUNKS_PER_BATCH && dumpCursor >= 0
                && events.capacity() - events.size() > 2 * DUMP_SLOTS_PER_CHUNK; chunk++) {
            dumpCursor = forwarder.flows().dump(dumpCursor, DUMP_SLOTS_PER_CHUNK, now);
        }
        if (dumpCursor < 0) {
            FlowRecord done = events.claim();
            if (done == null) {
                // Told at the next batch: the marker must not be lost.
                dumpCursor = forwarder.flows().slots();
                return;
            }
            done.kind = FlowRecord.DUMP_DONE;
            done.request = dumpRequest;
            events.commit();
        }
    }
}
