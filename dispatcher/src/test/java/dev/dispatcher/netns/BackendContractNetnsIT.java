package dev.dispatcher.netns;

import static dev.dispatcher.golden.GoldenCases.MTU;
import static dev.dispatcher.golden.GoldenCases.OWN_IP;
import static dev.dispatcher.golden.GoldenCases.OWN_MAC;
import static dev.dispatcher.testing.Frames.DISPATCHER_MAC;
import static dev.dispatcher.testing.Frames.VIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.IoBackend;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.control.BackendFactory;
import dev.dispatcher.control.ControlPlane;
import dev.dispatcher.control.CounterSnapshot;
import dev.dispatcher.control.DataPlaneFactory;
import dev.dispatcher.control.InterfaceInfo;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.PacketIoBackend;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import dev.dispatcher.golden.GoldenCases;
import dev.dispatcher.golden.GoldenCases.Case;
import dev.dispatcher.golden.GoldenCases.Wire;
import dev.dispatcher.netns.afpacket.Netns;
import dev.dispatcher.testing.Frames;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One contract for every backend (Netty's transport testsuite, Katran's golden table): the golden
 * cases of {@link GoldenCases}, which {@code GoldenReplayTest} replays through the pcap file
 * backend, here go over a veth link into each live backend (afpacket, pcap4j) in both threading
 * modes. The backend is opened as {@code run} opens it ({@link BackendFactory#open}, with its
 * capture filter) in the dispatcher's namespace and drives the real data plane
 * ({@link DataPlaneFactory}); the far end is a plain raw socket ({@link RawSocket}) that shares
 * no code with either backend. For each case: the frames that come out equal the golden ones byte
 * for byte (in order with one worker, in order per flow with two), nothing else comes out, the
 * verdict counters equal the golden verdicts, and the counters add up.
 *
 * <p>As in the replay, ARP is passive (answers and learns, sends nothing of its own): gratuitous
 * ARP and resolution are timing-driven and covered by the netns system tests. Each case ends with
 * a probe, an ARP request for the VIP from the far end: its reply is the last frame a single
 * worker sends, and it shows the data plane was alive when a case expects nothing to come out.
 *
 * <p>What the live wire changes, each case saying why ({@link Case#wire}): frames the capture
 * filter keeps in the kernel (neither ARP nor IPv4 to a VIP) get no verdict on a live backend, and
 * a frame shorter than an Ethernet header cannot be sent at all (checked: the kernel must refuse
 * it). The link's MTU is above the data plane's 1500 so that the oversize case (a GRO/GSO
 * super-frame in real life) can reach the backend; the data plane is told 1500 as in the replay.
 * It is also above io.snaplen, so that a frame longer than snaplen reaches the backend cut to
 * snaplen by the kernel's filter, as the replay cuts it.
 *
 * <p>Namespaces {@code bct<pid>-d} (dispatcher) and {@code bct<pid>-p} (far end), no IP addresses
 * on either interface (the frames carry the golden cases' 198.18.0.0/24 and the probe
 * 198.18.4.0/24, which no kernel here owns), IPv6 off so that nothing else is on the wire.
 */
class BackendContractNetnsIT {
    private static final String TAG = "bct" + ProcessHandle.current().pid();
    private static final String NS_DISPATCHER = TAG + "-d";
    private static final String NS_PEER = TAG + "-p";
    private static final String IF_DISPATCHER = TAG + "d";
    private static final String IF_PEER = TAG + "p";
    private static final String PEER_MAC = "02:00:00:00:04:01";
    private static final String PEER_IP = "198.18.4.1";
    /**
     * Above the data plane's MTU (1500), the oversize case's 1654-byte frame and the
     * capture_truncated cases' frames, which are longer than io.snaplen (2048).
     */
    private static final int LINK_MTU = GoldenCases.LONGER_THAN_SNAPLEN + 100;
    private static final long OUTPUT_TIMEOUT_MILLIS = 5_000;
    /** How long after the expected frames a frame too many would still be caught. */
    private static final long QUIET_MILLIS = 120;
    private static final int RING_WORKERS = 2;

    private static RawSocket peer;

    @BeforeAll
    static void createLink() throws Exception {
        NetnsPreconditions.require();
        deleteNamespaces();
        sh("ip netns add " + NS_DISPATCHER + " && ip netns add " + NS_PEER);
        for (String ns : List.of(NS_DISPATCHER, NS_PEER)) {
            sh("ip netns exec " + ns
                    + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
        }
        sh(String.join(" && ",
                "ip link add " + IF_DISPATCHER + " netns " + NS_DISPATCHER + " type veth peer name " + IF_PEER
                        + " netns " + NS_PEER,
                "ip -n " + NS_DISPATCHER + " link set " + IF_DISPATCHER + " address " + DISPATCHER_MAC + " mtu "
                        + LINK_MTU,
                "ip -n " + NS_PEER + " link set " + IF_PEER + " address " + PEER_MAC + " mtu " + LINK_MTU,
                "ip netns exec " + NS_DISPATCHER + " ethtool -K " + IF_DISPATCHER + " gro off",
                "ip -n " + NS_DISPATCHER + " link set " + IF_DISPATCHER + " up",
                "ip -n " + NS_PEER + " link set " + IF_PEER + " up"));
        peer = Netns.inside(NS_PEER, () -> RawSocket.open(IF_PEER));
    }

    @AfterAll
    static void deleteLink() {
        try {
            if (peer != null) {
                peer.close();
            }
        } finally {
            deleteNamespaces();
        }
    }

    /** Deleting a namespace deletes its end of the veth pair, and with it the other end. */
    private static void deleteNamespaces() {
        Shell.sh(15, Map.of(), "ip netns del " + NS_DISPATCHER + " 2>/dev/null; ip netns del " + NS_PEER
                + " 2>/dev/null; true");
    }

    static Stream<Arguments> contract() {
        List<Arguments> args = new ArrayList<>();
        for (IoBackend backend : IoBackend.values()) {
            for (PipelineMode mode : List.of(PipelineMode.INLINE, PipelineMode.RING)) {
                for (Case c : GoldenCases.cases()) {
                    args.add(Arguments.of(backend, mode, c));
                }
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource("contract")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void liveBackendMatchesGolden(IoBackend backend, PipelineMode mode, Case c) throws Exception {
        if (c.wire() == Wire.NOT_ON_LIVE_WIRE) {
            for (byte[] frame : c.in()) {
                assertNotEquals(0, peer.send(frame), "excluded because " + c.wireReason()
                        + ", yet the kernel sent it: run this case live");
            }
            return;
        }
        boolean seen = c.wire() == Wire.CARRIED;
        // Ring mode with two workers, so that flows really are split between shards; cases whose
        // output depends on one flow table (WRR order across flows) run with one, as in the replay.
        int workers = mode == PipelineMode.INLINE || c.singleShardOnly() ? 1 : RING_WORKERS;
        byte[] probe = Frames.arp(true, PEER_MAC, "ff:ff:ff:ff:ff:ff", PEER_MAC, PEER_IP, "00:00:00:00:00:00", VIP, -1);
        byte[] probeReply = Frames.arp(false, DISPATCHER_MAC, PEER_MAC, DISPATCHER_MAC, VIP, PEER_MAC, PEER_IP, -1);

        List<byte[]> expectedOut = new ArrayList<>(seen ? c.out() : List.of());
        expectedOut.add(probeReply);
        Map<Integer, Long> expectedVerdicts = new TreeMap<>(seen ? c.verdicts() : Map.of());
        expectedVerdicts.merge(Verdict.ARP_REPLIED, 1L, Long::sum);
        List<byte[]> expectedIn = new ArrayList<>(seen ? c.in() : List.of());
        expectedIn.add(probe);

        Live live = runLive(backend, mode, workers, c.in(), probe, expectedOut.size(), expectedIn.size());

        if (workers == 1) {
            assertEquals(hex(expectedOut), hex(live.out()), "frames out, in order");
        } else {
            assertEquals(sorted(expectedOut), sorted(live.out()), "frames out");
            assertEquals(byFlow(expectedOut), byFlow(live.out()), "frames out, in order per flow");
        }
        CounterSnapshot counters = live.counters();
        assertEquals(GoldenCases.names(expectedVerdicts), GoldenCases.names(GoldenCases.nonZero(counters.verdicts())),
                "verdicts"
                        + (seen ? ""
                                : " (the case's frames are " + c.wireReason() + ": kept out by the capture filter)"));
        assertEquals(expectedIn.size(), counters.received(), "frames received: each has exactly one verdict");
        assertEquals(counters.received(),
                counters.verdicts()[Verdict.FORWARDED] + counters.dropped() + counters.passed(),
                "received = forwarded + dropped + passed");
        assertEquals(lengths(expectedIn), counters.receivedBytes(), "bytes received");
        assertEquals(lengths(expectedOut.stream().filter(f -> !isArp(f)).toList()), counters.forwardedBytes(),
                "bytes forwarded");
        assertEquals(0, live.kernelDrops(), "frames the kernel dropped before the backend read them");
    }

    record Live(List<byte[]> out, CounterSnapshot counters, long kernelDrops) {
    }

    /**
     * Opens the backend in the dispatcher's namespace, runs the data plane, sends {@code in} and then
     * {@code probe} from the far end, and collects what comes back until {@code expectedOut} frames
     * have and nothing more follows.
     */
    private static Live runLive(IoBackend backend, PipelineMode mode, int workers, List<byte[]> in, byte[] probe,
                                int expectedOut, int expectedReceived) throws Exception {
        DispatcherConfig config = GoldenCases.config(backend, workers);
        ControlPlane control = new ControlPlane(config, IF_DISPATCHER, OWN_MAC, OWN_IP, MTU);
        InterfaceInfo nic = new InterfaceInfo(IF_DISPATCHER, OWN_MAC, OWN_IP, MTU);
        assertEquals(0, peer.drain(), "frames left on the link by the case before (after its quiet time)");
        PacketIoBackend io = Netns.inside(NS_DISPATCHER, () -> BackendFactory.open(config, nic));
        Pipeline running = null;
        try {
            PacketSource source = io.openSource();
            // Worker sinks of the ring mode open sockets of their own: in the same namespace.
            Pipeline pipeline = Netns.inside(NS_DISPATCHER, () -> DataPlaneFactory.build(config, mode, control.tables(),
                    DataPlaneFactory.neighbours(), DataPlaneFactory.arpTimings(config).passive(), source,
                    io::openSink));
            pipeline.start();
            running = pipeline;
            for (int i = 0; i < in.size(); i++) {
                assertEquals(0, peer.send(in.get(i)), "errno sending input frame " + i);
            }
            assertEquals(0, peer.send(probe), "errno sending the probe");
            List<byte[]> out = peer.receive(expectedOut, OUTPUT_TIMEOUT_MILLIS, QUIET_MILLIS);
            // A verdict is counted after its frame is sent: wait for the last count.
            long deadline = System.nanoTime() + OUTPUT_TIMEOUT_MILLIS * 1_000_000;
            while (CounterSnapshot.of(pipeline).received() < expectedReceived && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long kernelDrops = source.kernelDrops();
            running = null;
            pipeline.close();
            return new Live(out, CounterSnapshot.of(pipeline), kernelDrops);
        } finally {
            if (running != null) {
                running.close();
            }
            io.close();
        }
    }

    private static boolean isArp(byte[] frame) {
        return etherType(frame) == 0x0806;
    }

    private static int etherType(byte[] frame) {
        int type = u16(frame, 12);
        return type == 0x8100 && frame.length >= 18 ? u16(frame, 16) : type;
    }

    /**
     * The frames of each flow in the order they came: IPv4 by addresses, protocol and ports (TCP and
     * UDP), everything else by EtherType.
     */
    private static Map<String, List<String>> byFlow(List<byte[]> frames) {
        Map<String, List<String>> flows = new TreeMap<>();
        for (byte[] f : frames) {
            flows.computeIfAbsent(flowKey(f), k -> new ArrayList<>()).add(HexFormat.of().formatHex(f));
        }
        return flows;
    }

    private static String flowKey(byte[] f) {
        int ip = u16(f, 12) == 0x8100 ? 18 : 14;
        if (etherType(f) != 0x0800 || f.length < ip + 20) {
            return "ethertype " + Integer.toHexString(etherType(f));
        }
        int ihl = (f[ip] & 0x0F) * 4;
        int protocol = f[ip + 9] & 0xFF;
        StringBuilder key = new StringBuilder("ipv4 " + protocol + " " + HexFormat.of().formatHex(f, ip + 12, ip + 20));
        if ((protocol == 6 || protocol == 17) && f.length >= ip + ihl + 4) {
            key.append(' ').append(HexFormat.of().formatHex(f, ip + ihl, ip + ihl + 4));
        }
        return key.toString();
    }

    private static int u16(byte[] f, int at) {
        return f.length < at + 2 ? -1 : ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
    }

    private static long lengths(List<byte[]> frames) {
        return frames.stream().mapToLong(f -> f.length).sum();
    }

    private static List<String> hex(List<byte[]> frames) {
        return frames.stream().map(HexFormat.of()::formatHex).toList();
    }

    private static List<String> sorted(List<byte[]> frames) {
        return hex(frames).stream().sorted().toList();
    }

    private static void sh(String script) {
        Shell.Result r = Shell.sh(30, Map.of(), script);
        assertTrue(r.ok(), "failed (" + r.exit() + "): " + script + "\n" + r.output());
    }
}
