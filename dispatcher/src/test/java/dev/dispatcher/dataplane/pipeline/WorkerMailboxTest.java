package dev.dispatcher.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.conntrack.FlowTable;
import dev.dispatcher.dataplane.conntrack.FlowTimeouts;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.forward.Forwarder;
import dev.dispatcher.dataplane.forward.ForwarderCounters;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.AllocationMeter;
import dev.dispatcher.testing.CollectingSink;
import dev.dispatcher.testing.Frames;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The channels between the control plane and a worker: the ring keeps order and contents across
 * threads and never blocks, the worker takes its commands at the top of a batch, answers
 * questions about a flow from its own table, writes flow events while they are wanted, counts
 * (never waits for) a full outbox, and allocates nothing on its side.
 */
class WorkerMailboxTest {
    private static final long S = 1_000_000_000L;
    private static final int CLIENT = 0xC6120001;
    private static final int VIP = 0xC6120064;

    @Test
    void theRingHandsEveryRecordAcrossThreadsInOrderAndAFullRingRefuses() throws Exception {
        FlowRing ring = new FlowRing(64);
        assertEquals(64, ring.capacity());
        int total = 200_000;
        Thread producer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < total; i++) {
                FlowRecord r;
                while ((r = ring.claim()) == null) {
                    Thread.onSpinWait();
                }
                r.kind = FlowRecord.INSERT;
                r.key.ipv4(CLIENT, VIP, i & 0xFFFF, 80, 6);
                r.pair = i;
                r.nanos = i * 3L;
                ring.commit();
            }
        });
        int[] next = {0};
        long deadline = System.nanoTime() + 60 * S;
        while (next[0] < total) {
            assertTrue(System.nanoTime() < deadline, "drained " + next[0] + " of " + total);
            ring.drain(r -> {
                int i = next[0]++;
                assertEquals(i, r.pair(), "in order");
                assertEquals(i * 3L, r.nanos());
                assertEquals(i & 0xFFFF, r.key().sourcePort(), "the key written before the commit is seen");
            }, 100);
        }
        producer.join();
        for (int i = 0; i < 64; i++) {
            assertNotNull(ring.claim());
            ring.commit();
        }
        assertNull(ring.claim(), "full: the producer is refused, not blocked");
        assertEquals(64, ring.size());
    }

    private static final class Harness {
        final ForwardingTable table;
        final Forwarder forwarder;
        final ForwardingWorker worker;
        final CollectingSink sink;
        final WorkerMailbox mailbox;

        Harness(int eventCapacity, boolean keepFrames) {
            sink = new CollectingSink(keepFrames);
            ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(0x020000000002L).ownIp(0xC6120002)
                    .mtu(1500);
            int rs1 = b.server(0xC612000B, 0x020000000011L);
            int rs2 = b.server(0xC612000C, 0x020000000012L);
            b.service(VIP, 80, 6, new int[] {rs1, rs2}, new int[] {1, 1});
            table = b.build(1);
            NeighbourTable neighbours = new NeighbourTable(new long[] {0x020000000011L, 0x020000000012L});
            FlowTimeouts t = new FlowTimeouts(5 * S, 100 * S, 20 * S, 2 * S, 30 * S);
            forwarder = new Forwarder(table, new FlowTable(1024, t), neighbours, null,
                    new ForwarderCounters(ForwardingTable.MAX_PAIRS));
            mailbox = new WorkerMailbox(64, eventCapacity);
            worker = new ForwardingWorker("dispatcher-fwd-0", forwarder, null, sink, new AtomicReference<>(table),
                    mailbox);
        }

        void frame(byte[] bytes, long now) {
            PacketBuffer frame = PacketBuffer.ofArray(bytes);
            worker.onFrame(frame, frame.length(), now);
        }
    }

    private static byte[] segment(int port, boolean syn) {
        Frames.Tcp t = new Frames.Tcp().srcPort(port);
        if (!syn) {
            t.ack();
        }
        return t.build();
    }

    @Test
    void commandsAreTakenAtTheTopOfABatchAndQuestionsAnsweredFromTheOwnTable() {
        Harness h = new Harness(1024, true);
        FlowKey handed = new FlowKey().ipv4(CLIENT, VIP, 40000, 80, 6);
        assertTrue(h.mailbox.insert(handed, 1, FlowState.TCP_ESTABLISHED, 50 * S));
        assertTrue(h.mailbox.peek(handed, 7));
        assertTrue(h.mailbox.peek(new FlowKey().ipv4(CLIENT, VIP, 40001, 80, 6), 8));
        assertEquals(0, h.forwarder.flows().size(), "nothing happens before the worker's next batch");
        h.worker.endOfBatch(10 * S);
        assertEquals(1, h.forwarder.flows().size());
        List<String> replies = new ArrayList<>();
        h.mailbox.drainReplies(r -> replies.add(r.request() + " " + r.kind() + " " + r.pair() + " " + r.state()
                + " " + r.nanos()));
        assertEquals(List.of("7 " + FlowRecord.FOUND + " 1 " + FlowState.TCP_ESTABLISHED + " " + 50 * S,
                "8 " + FlowRecord.NEW_FLOW + " " + h.table.servicePairs(0)[0] + " 0 0"), replies);

        // The handed-in flow keeps its pair (the second server), where WRR would start with the first.
        h.frame(segment(40000, false), 11 * S);
        h.worker.endOfBatch(11 * S);
        assertEquals(0x020000000012L, PacketBuffer.ofArray(h.sink.frames.getFirst()).getU48(0));
        assertEquals(1, h.forwarder.counters().get(ForwarderCounters.LOOKUP_HIT));

        assertTrue(h.mailbox.remove(handed));
        h.worker.endOfBatch(12 * S);
        assertEquals(0, h.forwarder.flows().size());
    }

    @Test
    void flowEventsFlowWhileWantedAndAFullOutboxIsCountedNotWaitedFor() {
        Harness h = new Harness(4, false);
        h.frame(segment(1000, true), S);
        h.worker.endOfBatch(S);
        List<String> events = new ArrayList<>();
        assertEquals(0, h.mailbox.drainEvents(r -> events.add("?"), 100), "no events until wanted");

        h.mailbox.wantEvents(true);
        h.frame(segment(1001, true), 2 * S);
        h.frame(segment(1001, false), 2 * S);
        h.worker.endOfBatch(2 * S);
        for (int sweep = 0; sweep < 8; sweep++) {
            // 256 slots per cycle: eight cycles cover the 2048 slots.
            h.worker.endOfBatch(200 * S);
        }
        h.mailbox.drainEvents(r -> events.add(r.kind() + " " + r.key().sourcePort() + " " + r.state()), 100);
        assertEquals(List.of(FlowRecord.CREATED + " 1001 " + FlowState.TCP_SYN,
                FlowRecord.CHANGED + " 1001 " + FlowState.TCP_ESTABLISHED), events.subList(0, 2));
        assertTrue(events.contains(FlowRecord.ENDED + " 1001 " + FlowState.TCP_ESTABLISHED),
                "expiry is told: " + events);
        assertTrue(events.contains(FlowRecord.ENDED + " 1000 " + FlowState.TCP_SYN),
                "also of a flow created while events were off: " + events);
        assertEquals(4, events.size(), events.toString());

        for (int i = 0; i < 20; i++) {
            h.frame(segment(2000 + i, true), 300 * S);
        }
        h.worker.endOfBatch(300 * S);
        assertEquals(20, h.forwarder.counters().verdict(Verdict.FORWARDED) - 3,
                "forwarding never waits for the outbox");
        assertEquals(16, h.mailbox.eventsLost(), "20 created, 4 fit");
    }

    @Test
    void theWorkersSideAllocatesNothing() {
        Harness h = new Harness(1 << 16, false);
        h.mailbox.wantEvents(true);
        PacketBuffer[] syns = new PacketBuffer[512];
        for (int i = 0; i < syns.length; i++) {
            syns[i] = PacketBuffer.ofArray(segment(10_000 + i, true));
        }
        FlowKey key = new FlowKey();
        long[] now = {S};
        Runnable round = () -> {
            for (int i = 0; i < syns.length; i++) {
                now[0] += 100_000;
                syns[i].putU48(0, 0x020000000002L);
                h.worker.onFrame(syns[i], syns[i].length(), now[0]);
                if ((i & 15) == 0) {
                    h.worker.endOfBatch(now[0]);
                }
            }
            h.worker.endOfBatch(now[0]);
        };
        // The control plane's side runs between rounds (it may allocate); the meter counts the worker's.
        Runnable controlSide = () -> {
            for (int i = 0; i < 32; i++) {
                key.ipv4(CLIENT + 1, VIP, 20_000 + i, 80, 6);
                h.mailbox.insert(key, 1, FlowState.TCP_ESTABLISHED, 10 * S);
                h.mailbox.peek(key, i);
            }
            h.mailbox.drainReplies(r -> { });
            h.mailbox.drainEvents(r -> { }, Integer.MAX_VALUE);
        };
        for (int warm = 0; warm < 40; warm++) {
            controlSide.run();
            round.run();
        }
        AllocationMeter.Result r = AllocationMeter.cleanRounds(() -> {
            // Both sides' hand-over is allocation-free: claim, fill, commit; drain into a handler.
            controlSide.run();
            round.run();
        }, 5, 40);
        assertEquals(5, r.cleanInARow(), "rounds with commands, answers and events without allocation (last dirty: "
                + r.lastDirtyBytes() + " bytes)");
    }
}
