package dev.dispatcher.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.control.ha.SharedKey;
import dev.dispatcher.control.sync.FlowSyncReceiver;
import dev.dispatcher.control.sync.FlowSyncSender;
import dev.dispatcher.control.sync.SyncFrames;
import dev.dispatcher.control.sync.SyncRecords;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.pipeline.FanoutPipeline;
import dev.dispatcher.testing.CollectingSink;
import dev.dispatcher.testing.Frames;
import dev.dispatcher.testing.QueueSource;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flow sync between two data planes in one process, over real TCP on loopback: node A forwards,
 * node B takes A's stream. Flows A had before the stream began arrive by the bulk copy, flows A
 * creates later by the stream, each in the table of the B worker that owns it, with A's pair and
 * state; a forged, replayed, reordered or malformed stream is refused, counted and applies nothing.
 */
class FlowSyncTest {
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
    private static final SharedKey KEY = SharedKey.of("the pair's shared sync key");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path dir;
    private final List<Node> nodes = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();

    /** One dispatcher's control plane and two-worker data plane, fed by the test. */
    private final class Node {
        final ControlPlane control;
        final FanoutPipeline pipeline;
        final DataPlaneView view;
        final List<QueueSource> sources = List.of(new QueueSource(), new QueueSource());

        Node(DispatcherConfig config) {
            control = new ControlPlane(config, "eth0", 0x020000000002L, Ipv4.parse("198.18.0.2"), 1500);
            NeighbourTable neighbours = DataPlaneFactory.neighbours();
            List<PacketSink> sinks = List.of(new CollectingSink(false), new CollectingSink(false));
            pipeline = DataPlaneFactory.buildFanout(config, control.tables(), neighbours,
                    DataPlaneFactory.arpTimings(config).passive(), List.copyOf(sources), sinks);
            view = new DataPlaneView(pipeline, neighbours);
            control.attach(view, "fanout");
            pipeline.start();
            nodes.add(this);
        }

        /** One datagram of the flow from client port {@code port}, to the worker that owns it. */
        void datagram(int port) {
            FlowKey key = key(port);
            sources.get(key.shard(2)).inbox.add(Frames.udp(Frames.CLIENT_MAC, Frames.DISPATCHER_MAC,
                    Frames.CLIENT_IP, Frames.VIP, port, 53, new byte[] {1}));
        }

        long forwarded() {
            return view.counters().verdicts()[Verdict.FORWARDED];
        }

        DataPlaneView.FlowAnswer ask(int port) throws InterruptedException {
            return view.ask(key(port), java.time.Duration.ofSeconds(2));
        }

        FlowSyncReceiver receiver() throws IOException {
            FlowSyncReceiver r = new FlowSyncReceiver(new InetSocketAddress(LOOPBACK, 0), LOOPBACK, KEY, view,
                    control.tables(), control::pairsByFingerprint);
            r.bind();
            r.start();
            closing.add(r);
            return r;
        }

        FlowSyncSender sender(int port) {
            FlowSyncSender s = new FlowSyncSender(new InetSocketAddress(LOOPBACK, 0),
                    new InetSocketAddress(LOOPBACK, port), KEY, view, control.tables(), control::fingerprintsByPair,
                    60_000_000_000L);
            s.start();
            closing.add(s);
            return s;
        }
    }

    private static FlowKey key(int port) {
        return new FlowKey().ipv4(Ipv4.parse(Frames.CLIENT_IP), Ipv4.parse(Frames.VIP), port, 53, 17);
    }

    @BeforeEach
    void config() throws IOException {
        Files.writeString(dir.resolve("dispatcher.yaml"), YAML);
    }

    private Node node() throws Exception {
        return new Node(ConfigLoader.load(dir.resolve("dispatcher.yaml")));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        for (Node n : nodes) {
            n.pipeline.stop();
            n.pipeline.awaitTermination();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void flowsBeforeTheStreamComeByBulkCopyAndLaterOnesByTheStream() throws Exception {
        Node a = node();
        Node b = node();
        for (int port = 2000; port < 2050; port++) {
            a.datagram(port);
        }
        await(() -> a.forwarded() == 50, "A forwards 50 flows");
        FlowSyncReceiver in = b.receiver();
        FlowSyncSender out = a.sender(in.port());
        await(in::caughtUp, "B caught up with A's bulk copy");
        assertEquals(1, out.bulkCopies());
        for (int port = 2050; port < 2100; port++) {
            a.datagram(port);
        }
        await(() -> a.forwarded() == 100, "A forwards 50 more");
        await(() -> in.applied() >= 100, "B applied A's 100 flows");
        for (int port = 2000; port < 2100; port++) {
            DataPlaneView.FlowAnswer there = a.ask(port);
            DataPlaneView.FlowAnswer here = b.ask(port);
            assertTrue(there.found(), "A has flow " + port);
            assertTrue(here.found(), "B holds flow " + port + " in the worker that owns it");
            assertEquals(there.pair(), here.pair(), "the same server on both nodes");
            assertEquals("udp", here.state());
        }
        assertEquals(0, b.forwarded(), "B forwarded nothing: its flows came from the stream");
        assertEquals(0, in.unknownPairs());
        assertTrue(in.rejected().isEmpty(), "nothing refused: " + in.rejected());
    }

    /** Sends a challenge and returns the receiver's nonce from its signed hello. */
    private static byte[] hello(Socket s) throws IOException {
        byte[] challenge = new byte[SyncFrames.NONCE_BYTES];
        new java.security.SecureRandom().nextBytes(challenge);
        s.getOutputStream().write(challenge);
        s.getOutputStream().flush();
        return SyncFrames.readHello(new DataInputStream(s.getInputStream()), KEY.hmac(), challenge);
    }

    private static void frame(Socket s, SharedKey key, byte[] nonce, long sequence, ByteBuffer payload)
            throws IOException {
        byte[] scratch = new byte[4096];
        OutputStream out = s.getOutputStream();
        SyncFrames.write(out, key.hmac(), nonce, SyncFrames.BATCH, sequence, System.currentTimeMillis(), 0,
                payload, scratch);
        out.flush();
    }

    private static ByteBuffer oneFlow(int port, int protocolOverride) {
        ByteBuffer b = ByteBuffer.allocate(64);
        SyncRecords.upsert(b, key(port), 0, 42L, 60_000_000_000L);
        if (protocolOverride >= 0) {
            b.put(2, (byte) protocolOverride);
        }
        return b;
    }

    /** Sends one frame on a new connection and waits until the receiver has dropped it. */
    private static void refusedStream(FlowSyncReceiver in, SyncFrames.Rejection why, SharedKey key,
                                      byte[] replayNonce, long sequence, ByteBuffer payload) throws Exception {
        long before = in.rejected().getOrDefault(why, 0L);
        try (Socket s = new Socket(LOOPBACK, in.port())) {
            byte[] nonce = hello(s);
            frame(s, key, replayNonce != null ? replayNonce : nonce, sequence, payload);
            s.setSoTimeout(5000);
            assertEquals(-1, s.getInputStream().read(), "the receiver closes the stream");
        }
        await(() -> in.rejected().getOrDefault(why, 0L) == before + 1, why.label() + " counted");
    }

    @Test
    void aRecordedHelloProvesNothing() throws Exception {
        Node b = node();
        FlowSyncReceiver in = b.receiver();
        byte[] recorded;
        byte[] firstChallenge = new byte[SyncFrames.NONCE_BYTES];
        try (Socket s = new Socket(LOOPBACK, in.port())) {
            s.getOutputStream().write(firstChallenge);
            recorded = s.getInputStream().readNBytes(52);
        }
        byte[] otherChallenge = new byte[SyncFrames.NONCE_BYTES];
        otherChallenge[0] = 1;
        SyncFrames.RefusedException e = org.junit.jupiter.api.Assertions.assertThrows(
                SyncFrames.RefusedException.class, () -> SyncFrames.readHello(
                        new DataInputStream(new java.io.ByteArrayInputStream(recorded)), KEY.hmac(), otherChallenge));
        assertEquals(SyncFrames.Rejection.BAD_MAC, e.rejection(), "a sender is not fooled by a replayed hello");
        SyncFrames.readHello(new DataInputStream(new java.io.ByteArrayInputStream(recorded)), KEY.hmac(),
                firstChallenge);
    }

    @Test
    void forgedReplayedReorderedAndMalformedStreamsApplyNothing() throws Exception {
        Node b = node();
        FlowSyncReceiver in = b.receiver();
        refusedStream(in, SyncFrames.Rejection.BAD_MAC, SharedKey.of("somebody else's key, long enough"), null, 1,
                oneFlow(3000, -1));
        // A frame made for an earlier connection's nonce: its tag does not verify on this one.
        refusedStream(in, SyncFrames.Rejection.BAD_MAC, KEY, new byte[16], 1, oneFlow(3001, -1));
        refusedStream(in, SyncFrames.Rejection.BAD_SEQUENCE, KEY, null, 2, oneFlow(3002, -1));
        refusedStream(in, SyncFrames.Rejection.BAD_RECORD, KEY, null, 1, oneFlow(3003, 99));
        assertEquals(0, in.applied(), "nothing applied");
        assertFalse(in.caughtUp());
        for (int port = 3000; port < 3004; port++) {
            assertFalse(b.ask(port).found(), "no flow " + port);
        }
    }
}
