package dev.dispatcher.netns.afpacket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.dataplane.io.afpacket.AfPacketBackend;
import dev.dispatcher.dataplane.io.afpacket.ClassicBpf;
import dev.dispatcher.dataplane.io.afpacket.TpacketVersion;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.AllocationMeter;
import dev.dispatcher.testing.Frames;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * (Outside the backend's package so that the unit-test selection {@code dataplane.io.afpacket.**}
 * does not pull it into Surefire.) The AF_PACKET backend on a veth pair between two namespaces
 * (afp<pid>-a, afp<pid>-b; 198.18.2.0/24):
 * frames from an independent raw sender (python3, AF_PACKET) arrive in place with their bytes and
 * wire length; frames sent through the TX ring arrive byte-identical; nothing we send comes back;
 * the filter keeps out what is not ARP or for a VIP; 802.1Q tags survive; RX and TX allocate
 * nothing after warm-up. Every test runs with both ring formats: TPACKET_V2 (RX per frame) and
 * TPACKET_V3 (RX in blocks retired after 1 ms; tpacket3_hdr TX slots).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TpacketVersion.class)
class AfPacketBackendNetnsIT {
    /** Namespace names carry our pid, so that parallel runs of this test do not share them. */
    private static final String NS_A = "afp" + ProcessHandle.current().pid() + "-a";
    private static final String NS_B = "afp" + ProcessHandle.current().pid() + "-b";
    private static final String IF_A = "afp-va";
    private static final String IF_B = "afp-vb";
    private static final String MAC_A = "02:af:00:00:00:0a";
    private static final String MAC_B = "02:af:00:00:00:0b";
    private static final long OWN_A = 0x02af_0000_000aL;
    private static final long OWN_B = 0x02af_0000_000bL;
    private static final String VIP = "198.18.2.100";
    private static final String VIP2 = "198.18.2.101";
    private static final int[] VIPS = {0xC612_0264, 0xC612_0265};
    private static final int SNAPLEN = 2048;
    private static final String SENDER = """
            import socket, sys
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((sys.argv[1], 0))
            for h in sys.argv[2:]:
                s.send(bytes.fromhex(h))
            """;

    @Parameter
    TpacketVersion version;

    private AfPacketBackend backendA;
    private AfPacketBackend backendB;

    @BeforeAll
    static void createNamespaces() {
        Netns.require();
        deleteNamespaces();
        Netns.must(String.join(" && ",
                "ip netns add " + NS_A, "ip netns add " + NS_B,
                "ip netns exec " + NS_A
                        + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1",
                "ip netns exec " + NS_B
                        + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1",
                "ip link add " + IF_A + " netns " + NS_A + " type veth peer name " + IF_B + " netns " + NS_B,
                "ip -n " + NS_A + " link set " + IF_A + " address " + MAC_A,
                "ip -n " + NS_B + " link set " + IF_B + " address " + MAC_B,
                "ip -n " + NS_A + " addr add 198.18.2.1/24 dev " + IF_A,
                "ip -n " + NS_B + " addr add 198.18.2.2/24 dev " + IF_B,
                "ip -n " + NS_A + " link set " + IF_A + " up",
                "ip -n " + NS_B + " link set " + IF_B + " up"));
    }

    @AfterAll
    static void deleteNamespaces() {
        Netns.sh(10, "ip netns del " + NS_A + " 2>/dev/null; ip netns del " + NS_B + " 2>/dev/null; true");
    }

    @BeforeEach
    void openBackends() throws Exception {
        backendA = new AfPacketBackend(IF_A, SNAPLEN, 4 << 20, 10, ClassicBpf.captureFilter(VIPS, OWN_A, SNAPLEN),
                version, 1, 0);
        backendB = new AfPacketBackend(IF_B, SNAPLEN, 4 << 20, 10, ClassicBpf.captureFilter(VIPS, OWN_B, SNAPLEN),
                version, 1, 0);
        Netns.inside(NS_A, () -> {
            backendA.open();
            return null;
        });
        Netns.inside(NS_B, () -> {
            backendB.open();
            return null;
        });
    }

    @AfterEach
    void closeBackends() {
        if (backendA != null) {
            backendA.close();
        }
        if (backendB != null) {
            backendB.close();
        }
    }

    @Test
    void receivesFramesFromARawSenderInPlaceWithTheirWireLength() {
        byte[] syn = tcp(MAC_A, MAC_B, VIP, -1, 0);
        byte[] udp = Frames.udp(MAC_A, MAC_B, "198.18.2.1", VIP2, 5000, 53, new byte[100]);
        byte[] arp = Frames.arp(true, MAC_A, "ff:ff:ff:ff:ff:ff", MAC_A, "198.18.2.1", "00:00:00:00:00:00", VIP, -1);
        byte[] big = tcp(MAC_A, MAC_B, VIP, -1, 1400);
        AfPacketBackend.RingSource source = backendB.openSource();
        rawSend(syn, udp, arp, big);
        List<Received> got = receive(source, 4, 2000);
        assertEquals(4, got.size(), "frames received");
        byte[][] sent = {syn, udp, arp, big};
        for (int i = 0; i < sent.length; i++) {
            assertArrayEquals(sent[i], got.get(i).bytes(), "frame " + i);
            assertEquals(sent[i].length, got.get(i).wireLength(), "wire length of frame " + i);
            assertTrue(got.get(i).inRing(), "frame " + i + " handed over in place (off-heap ring slot)");
        }
        assertEquals(0, source.truncatedFrames());
    }

    @Test
    void filterDropsFramesThatAreNotArpOrForAVipAndFramesFromOurOwnMac() {
        AfPacketBackend.RingSource source = backendB.openSource();
        byte[] notVip = tcp(MAC_A, MAC_B, "198.18.2.50", -1, 0);
        byte[] ipv6 = Frames.raw(MAC_A, MAC_B, 0x86DD, new byte[60]);
        byte[] fromUs = tcp(MAC_B, MAC_B, VIP, -1, 0);
        byte[] marker = tcp(MAC_A, MAC_B, VIP2, -1, 7);
        rawSend(notVip, ipv6, fromUs, marker);
        List<Received> got = receive(source, 2, 500);
        assertEquals(1, got.size(), "only the frame for a VIP passes");
        assertArrayEquals(marker, got.get(0).bytes());
    }

    @Test
    void aReplacedFilterLetsANewVipThroughWhileTheSocketRuns() throws Exception {
        AfPacketBackend.RingSource source = backendB.openSource();
        byte[] forNewVip = tcp(MAC_A, MAC_B, "198.18.2.102", -1, 3);
        rawSend(forNewVip);
        assertEquals(List.of(), receive(source, 1, 300), "198.18.2.102 is not a VIP yet");
        backendB.updateFilter(ClassicBpf.captureFilter(new int[] {VIPS[0], VIPS[1], 0xC612_0266}, OWN_B, SNAPLEN));
        rawSend(forNewVip);
        List<Received> got = receive(source, 1, 2000);
        assertEquals(1, got.size(), "the new VIP passes the replaced filter");
        assertArrayEquals(forNewVip, got.get(0).bytes());
    }

    @Test
    void sendsThroughTheTxRingsByteIdenticalAndNeverReceivesItsOwnFrames() throws Exception {
        AfPacketBackend.RingSource sourceA = backendA.openSource();
        AfPacketBackend.RingSource sourceB = backendB.openSource();
        PacketSink captureSink = backendB.openSink(true);
        PacketSink workerSink = Netns.inside(NS_B, () -> backendB.openSink(false));
        List<byte[]> sent = new ArrayList<>();
        for (PacketSink sink : List.of(captureSink, workerSink)) {
            for (int payload : new int[] {0, 150, 1460}) {
                byte[] frame = tcp(MAC_B, MAC_A, VIP, -1, payload);
                frame[frame.length - 1] ^= (byte) sent.size();
                sent.add(frame);
                assertTrue(sink.send(PacketBuffer.ofArray(frame.clone())));
            }
            sink.flush();
        }
        List<Received> got = receive(sourceA, sent.size(), 2000);
        assertEquals(sent.size(), got.size(), "frames arrived on the other side");
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), got.get(i).bytes(), "frame " + i);
        }
        assertEquals(List.of(), receive(sourceB, 1, 300),
                "our own sends (capture socket and worker socket) never come back");
    }

    @Test
    void vlanTagsSurviveReceiveAndSend() {
        AfPacketBackend.RingSource sourceA = backendA.openSource();
        AfPacketBackend.RingSource sourceB = backendB.openSource();
        byte[] tagged = tcp(MAC_A, MAC_B, VIP, 7, 20);
        rawSend(tagged);
        List<Received> got = receive(sourceB, 1, 2000);
        assertEquals(1, got.size());
        assertArrayEquals(tagged, got.get(0).bytes(), "the 802.1Q tag is back in place");
        assertEquals(tagged.length, got.get(0).wireLength());
        assertEquals(1, sourceB.vlanTagsRestored(), "the kernel had moved the tag out of the frame");

        byte[] back = tcp(MAC_B, MAC_A, VIP2, 42, 20);
        PacketSink sink = backendB.openSink(true);
        assertTrue(sink.send(PacketBuffer.ofArray(back)));
        sink.flush();
        List<Received> atA = receive(sourceA, 1, 2000);
        assertEquals(1, atA.size());
        assertArrayEquals(back, atA.get(0).bytes(), "a tagged frame sent through the TX ring arrives tagged");
    }

    @Test
    void receiveAndSendAllocateNothingAfterWarmUp() throws Exception {
        AfPacketBackend.RingSource sourceA = backendA.openSource();
        PacketSink sink = Netns.inside(NS_B, () -> backendB.openSink(false));
        PacketBuffer frame = PacketBuffer.ofArray(tcp(MAC_B, MAC_A, VIP, -1, 10));
        Counting handler = new Counting();
        // Small batches, many of them: the per-batch downcalls (send(), poll()) allocate until C2 has
        // compiled them, which takes some thousands of calls.
        int batch = 16;
        int batches = 256;
        long[] sent = new long[1];
        Runnable round = () -> {
            for (int b = 0; b < batches; b++) {
                for (int i = 0; i < batch; i++) {
                    if (sink.send(frame)) {
                        sent[0]++;
                    }
                }
                sink.flush();
                int empty = 0;
                while (handler.frames < sent[0] && empty < 20) {
                    empty = sourceA.poll(handler, 64) == 0 ? empty + 1 : 0;
                }
            }
        };
        for (int warm = 0; warm < 60; warm++) {
            round.run();
        }
        AllocationMeter.Result r = AllocationMeter.cleanRounds(round, 5, 40);
        assertEquals(5, r.cleanInARow(),
                "rounds of " + batch * batches + " frames sent and received without allocation "
                + "(last dirty round: " + r.lastDirtyBytes() + " bytes)");
        assertTrue(handler.frames >= sent[0] * 99 / 100, "received " + handler.frames + " of " + sent[0]);
        assertFalse(handler.frames > sent[0], "received more than sent");
    }

    @Test
    void aFanoutGroupKeepsEachFlowOnOneSocketAndSpreadsFlowsOverAll() throws Exception {
        List<AfPacketBackend.FanoutMember> group = Netns.inside(NS_B, () -> backendB.openFanout(2,
                ClassicBpf.captureFilter(VIPS, OWN_B, SNAPLEN, ClassicBpf.Capture.VIPS)));
        // 64 UDP flows of 3 datagrams each, interleaved; ARP must stay out of the group's sockets.
        List<byte[]> frames = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int flow = 0; flow < 64; flow++) {
                frames.add(Frames.udp(MAC_A, MAC_B, "198.18.2.1", VIP, 20_000 + flow, 53, new byte[] {(byte) round}));
            }
        }
        frames.add(Frames.arp(true, MAC_A, "ff:ff:ff:ff:ff:ff", MAC_A, "198.18.2.1", "00:00:00:00:00:00", VIP, -1));
        for (int from = 0; from < frames.size(); from += 48) {
            rawSend(frames.subList(from, Math.min(frames.size(), from + 48)).toArray(byte[][]::new));
        }
        List<java.util.Set<Integer>> portsBySocket = new ArrayList<>();
        int total = 0;
        long deadline = System.nanoTime() + 3_000_000_000L;
        for (AfPacketBackend.FanoutMember member : group) {
            java.util.Set<Integer> ports = new java.util.HashSet<>();
            portsBySocket.add(ports);
            int[] count = {0};
            FrameHandler collect = (frame, wireLength, now) -> {
                assertEquals(0x0800, frame.getU16(12), "only IPv4 for a VIP reaches the group");
                ports.add(frame.getU16(34));
                count[0]++;
            };
            while (System.nanoTime() < deadline && total + count[0] < 3 * 64) {
                if (member.source().poll(collect, 64) == 0 && count[0] > 0) {
                    break;
                }
            }
            total += count[0];
        }
        for (int i = 0; i < 50 && total < 3 * 64; i++) {
            for (int m = 0; m < group.size(); m++) {
                java.util.Set<Integer> ports = portsBySocket.get(m);
                int[] more = {0};
                group.get(m).source().poll((frame, wireLength, now) -> {
                    ports.add(frame.getU16(34));
                    more[0]++;
                }, 64);
                total += more[0];
            }
        }
        assertEquals(3 * 64, total, "every datagram arrived exactly once over the group");
        assertFalse(portsBySocket.get(0).isEmpty() || portsBySocket.get(1).isEmpty(),
                "both sockets got flows: " + portsBySocket);
        java.util.Set<Integer> both = new java.util.HashSet<>(portsBySocket.get(0));
        both.retainAll(portsBySocket.get(1));
        assertEquals(java.util.Set.of(), both, "no flow on two sockets");
        assertEquals(64, portsBySocket.get(0).size() + portsBySocket.get(1).size());
    }

    @Test
    void anArpFrameWakesWorkerZeroSleepingOnItsMemberAndTheArpSocket() throws Exception {
        // A poll timeout far longer than the test waits: only the ARP socket's descriptor in the
        // same poll() can end the sleep in time.
        AfPacketBackend slow = new AfPacketBackend(IF_B, SNAPLEN, 4 << 20, 20_000, ClassicBpf.dropAll(), version, 1, 0);
        try {
            PacketSource lead = Netns.inside(NS_B, () -> {
                List<AfPacketBackend.FanoutMember> group = slow.openFanout(2,
                        ClassicBpf.captureFilter(VIPS, OWN_B, SNAPLEN, ClassicBpf.Capture.VIPS));
                AfPacketBackend.RingSource arpSource = slow.openArpSource(
                        ClassicBpf.captureFilter(VIPS, OWN_B, SNAPLEN, ClassicBpf.Capture.ARP));
                return AfPacketBackend.withArp(group.getFirst().source(), arpSource);
            });
            byte[] request = Frames.arp(true, MAC_A, "ff:ff:ff:ff:ff:ff", MAC_A, "198.18.2.1", "00:00:00:00:00:00",
                    VIP, -1);
            List<byte[]> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            long[] pollNanos = {0};
            Thread worker = Thread.ofPlatform().name("test-fwd-0").start(() -> {
                long start = System.nanoTime();
                lead.poll((frame, wireLength, now) -> got.add(frame.toByteArray()), 64);
                pollNanos[0] = System.nanoTime() - start;
            });
            Thread.sleep(300);
            assertTrue(worker.isAlive() && got.isEmpty(), "asleep in poll() before the ARP frame is sent");
            rawSend(request);
            worker.join(15_000);
            if (worker.isAlive()) {
                lead.wakeup();
                worker.join(5_000);
                assertFalse(true, "the ARP frame did not wake the worker");
            }
            assertEquals(1, got.size(), "one poll, woken by the ARP socket, delivers the request");
            assertArrayEquals(request, got.getFirst());
            assertTrue(pollNanos[0] < 10_000_000_000L, "woken, not timed out: " + pollNanos[0] / 1_000_000 + " ms");
            assertEquals(0, lead.kernelDrops());
        } finally {
            slow.close();
        }
    }

    /** Counts frames and reads a byte of each; allocates nothing. */
    private static final class Counting implements FrameHandler {
        long frames;
        long checksum;

        @Override
        public void onFrame(PacketBuffer frame, int wireLength, long timestampNanos) {
            frames++;
            checksum += frame.getU8(frame.length() - 1) + wireLength;
        }
    }

    record Received(byte[] bytes, int wireLength, boolean inRing) {
    }

    /** Polls until {@code expected} frames arrived or {@code millis} passed (then a little longer for extras). */
    private static List<Received> receive(AfPacketBackend.RingSource source, int expected, long millis) {
        List<Received> got = new ArrayList<>();
        FrameHandler collect = (frame, wireLength, now) ->
                got.add(new Received(frame.toByteArray(), wireLength, frame.segment().isNative()));
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (got.size() < expected && System.nanoTime() < deadline) {
            source.poll(collect, 64);
        }
        return got;
    }

    private static void rawSend(byte[]... frames) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", NS_A, "python3", "-c", SENDER, IF_A));
        for (byte[] f : frames) {
            command.add(HexFormat.of().formatHex(f));
        }
        Netns.Result r = Netns.run(20, command);
        assertTrue(r.ok(), "raw sender: " + r.output());
    }

    private static byte[] tcp(String srcMac, String dstMac, String dstIp, int vlan, int payload) {
        Frames.Tcp t = new Frames.Tcp().macs(srcMac, dstMac);
        t.srcIp = "198.18.2.1";
        t.dstIp = dstIp;
        t.vlan = vlan;
        t.payload = new byte[payload];
        for (int i = 0; i < payload; i++) {
            t.payload[i] = (byte) i;
        }
        return t.build();
    }
}
