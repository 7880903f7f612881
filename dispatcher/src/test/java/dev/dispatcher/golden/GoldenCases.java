package dev.dispatcher.golden;

import static dev.dispatcher.testing.Frames.CLIENT_IP;
import static dev.dispatcher.testing.Frames.CLIENT_MAC;
import static dev.dispatcher.testing.Frames.DISPATCHER_MAC;
import static dev.dispatcher.testing.Frames.RS1_MAC;
import static dev.dispatcher.testing.Frames.RS2_MAC;
import static dev.dispatcher.testing.Frames.RS3_MAC;
import static dev.dispatcher.testing.Frames.RS4_MAC;
import static dev.dispatcher.testing.Frames.VIP;

import dev.dispatcher.config.ConfigException;
import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.IoBackend;
import dev.dispatcher.config.IoConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PipelineConfig;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.testing.Frames;
import dev.dispatcher.testing.ReferenceMaglev;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The golden packet contract, Katran style: a table of (description, input frames, expected output
 * frames, expected verdicts). One list for every backend: {@link GoldenReplayTest} replays it
 * through the pcap file backend, {@code BackendContractNetnsIT} sends it over a veth to the live
 * backends (afpacket, pcap4j). Expected frames are built with pcap4j's builders from the same
 * description with the MACs a correct dispatcher would write, never from the dispatcher's own
 * output.
 */
public final class GoldenCases {
    /** The configuration every case runs against (static MACs except 198.18.0.14, learned by ARP). */
    public static final Path CONFIG = Path.of("src/test/resources/golden/golden.yaml");
    /** The dispatcher's own MAC and address, as the cases' frames expect them. */
    public static final long OWN_MAC = MacAddress.parse(DISPATCHER_MAC);
    public static final int OWN_IP = Ipv4.parse("198.18.0.2");
    /** The MTU the data plane is told; the oversize case is one frame above it. */
    public static final int MTU = 1500;
    /** The length of the frames of the capture_truncated cases: above the golden config's io.snaplen (2048). */
    public static final int LONGER_THAN_SNAPLEN = 2100;

    private GoldenCases() {
    }

    /** What a live backend on a veth link can make of a case's frames. */
    public enum Wire {
        /** Carried as they are: the same verdicts and the same output as the replay. */
        CARRIED,
        /**
         * Kept in the kernel by the capture filter both live backends install (ARP, and IPv4 to a
         * VIP): the data plane never sees them, so no verdict and no output.
         */
        KEPT_OUT_BY_CAPTURE_FILTER,
        /** Cannot be put on a live link at all; {@link Case#wireReason} says why. */
        NOT_ON_LIVE_WIRE
    }

    /**
     * @param singleShardOnly the expected output depends on one flow table (WRR order across
     *     flows), so the case runs with one worker only
     */
    public record Case(String name, List<byte[]> in, List<byte[]> out, Map<Integer, Long> verdicts,
                       boolean singleShardOnly, Wire wire, String wireReason) {
        public Case(String name, List<byte[]> in, List<byte[]> out, Map<Integer, Long> verdicts,
                boolean singleShardOnly) {
            this(name, in, out, verdicts, singleShardOnly, Wire.CARRIED, "");
        }

        public Case {
            Objects.requireNonNull(wire, "wire");
            Objects.requireNonNull(wireReason, "wireReason");
        }

        Case keptOutByCaptureFilter() {
            return new Case(name, in, out, verdicts, singleShardOnly, Wire.KEPT_OUT_BY_CAPTURE_FILTER,
                    "neither ARP nor IPv4 to a VIP");
        }

        Case notOnLiveWire(String reason) {
            return new Case(name, in, out, verdicts, singleShardOnly, Wire.NOT_ON_LIVE_WIRE, reason);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The golden configuration with {@code backend} and {@code workers} in place of its own. */
    public static DispatcherConfig config(IoBackend backend, int workers) throws ConfigException {
        DispatcherConfig config = ConfigLoader.load(CONFIG);
        IoConfig io = config.io();
        PipelineConfig p = config.pipeline();
        return new DispatcherConfig(config.source(), config.interfaceName(), config.clusters(), config.flowTable(),
                config.arp(), new IoConfig(backend, io.snaplen(), io.bufferBytes(), io.batchSize(), io.pollTimeout(),
                        io.rxRing(), io.rxBlockTimeout(), io.busyPoll()),
                new PipelineConfig(p.mode(), workers, p.ringSize(), p.waitStrategy()));
    }

    /** Verdict names and counts, for readable assertion messages. */
    public static Map<String, Long> names(Map<Integer, Long> verdicts) {
        Map<String, Long> named = new TreeMap<>();
        verdicts.forEach((v, n) -> named.put(Verdict.name(v), n));
        return named;
    }

    /** The non-zero entries of a verdict counter array. */
    public static Map<Integer, Long> nonZero(long[] verdicts) {
        Map<Integer, Long> seen = new TreeMap<>();
        for (int v = 0; v < verdicts.length; v++) {
            if (verdicts[v] != 0) {
                seen.put(v, verdicts[v]);
            }
        }
        return seen;
    }

    static Map<Integer, Long> verdicts(Object... pairs) {
        Map<Integer, Long> map = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((Integer) pairs[i], ((Number) pairs[i + 1]).longValue());
        }
        return map;
    }

    private static Frames.Tcp syn(int srcPort) {
        return new Frames.Tcp().srcPort(srcPort);
    }

    /** The flow hash of a segment, as the dispatcher computes it (the input of every Maglev lookup). */
    private static long hash(Frames.Tcp tcp) {
        return new FlowKey().ipv4(Ipv4.parse(tcp.srcIp), Ipv4.parse(tcp.dstIp), tcp.srcPort, tcp.dstPort, 6).hash();
    }

    private static byte[] to(Frames.Tcp tcp, String serverMac) {
        return tcp.copy().macs(DISPATCHER_MAC, serverMac).build();
    }

    /** Every golden case, in a fixed order; each call builds fresh frames. */
    public static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        Frames.Tcp s = syn(40000);
        Frames.Tcp a = syn(40000).ack();
        a.payload = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        cases.add(new Case("SYN then data of one flow go to one server (heaviest first)",
                List.of(s.build(), a.build()), List.of(to(s, RS1_MAC), to(a, RS1_MAC)),
                verdicts(Verdict.FORWARDED, 2), false));

        List<byte[]> in = new ArrayList<>();
        List<byte[]> out = new ArrayList<>();
        String[] order = {RS1_MAC, RS2_MAC, RS1_MAC, RS3_MAC, RS2_MAC, RS1_MAC};
        for (int i = 0; i < order.length; i++) {
            Frames.Tcp f = syn(41000 + i);
            in.add(f.build());
            out.add(to(f, order[i]));
        }
        cases.add(new Case("six new flows at 3:2:1 are interleaved a b a c b a (smooth WRR)", in, out,
                verdicts(Verdict.FORWARDED, 6), true));

        byte[] udpIn = Frames.udp(CLIENT_MAC, DISPATCHER_MAC, CLIENT_IP, VIP, 5353, 53, new byte[] {1, 2, 3, 4, 5});
        byte[] udpOut = Frames.udp(DISPATCHER_MAC, RS2_MAC, CLIENT_IP, VIP, 5353, 53, new byte[] {1, 2, 3, 4, 5});
        cases.add(new Case("UDP to VIP:53 is forwarded", List.of(udpIn), List.of(udpOut),
                verdicts(Verdict.FORWARDED, 1), false));

        cases.add(new Case("TCP to a port the VIP does not serve is dropped", List.of(syn(40001).dstPort(81).build()),
                List.of(), verdicts(Verdict.NO_SERVICE, 1), false));

        Frames.Tcp other = syn(40002);
        other.dstIp = "198.18.0.50";
        cases.add(new Case("IPv4 to an address that is not a VIP is passed", List.of(other.build()), List.of(),
                verdicts(Verdict.NOT_VIP, 1), false).keptOutByCaptureFilter());

        cases.add(new Case("IPv6 is passed", List.of(Frames.raw(CLIENT_MAC, DISPATCHER_MAC, 0x86DD, new byte[60])),
                List.of(), verdicts(Verdict.NOT_IPV4, 1), false).keptOutByCaptureFilter());

        cases.add(new Case("a 10-byte frame is truncated", List.of(new byte[10]), List.of(),
                verdicts(Verdict.TRUNCATED, 1), false).notOnLiveWire("shorter than an Ethernet header: the kernel"
                + " refuses to send it from a packet socket (dev_validate_header), so no live interface can"
                + " receive it"));

        byte[] badIhl = syn(40003).build();
        badIhl[14] = 0x44;
        cases.add(new Case("IHL 4 is a bad header", List.of(badIhl), List.of(), verdicts(Verdict.BAD_HEADER, 1),
                false));

        byte[] badVersion = syn(40004).build();
        badVersion[14] = 0x65;
        cases.add(new Case("IP version 6 in an IPv4 ethertype is a bad header", List.of(badVersion), List.of(),
                verdicts(Verdict.BAD_HEADER, 1), false));

        Frames.Tcp opts = syn(40005);
        opts.ipOptionWords = 1;
        cases.add(new Case("IP options are forwarded untouched", List.of(opts.build()), List.of(to(opts, RS1_MAC)),
                verdicts(Verdict.FORWARDED, 1), false));

        Frames.Tcp frag = syn(40006);
        frag.moreFragments = true;
        Frames.Tcp later = syn(40007);
        later.fragmentOffset = 100;
        cases.add(new Case("first and later fragments are dropped", List.of(frag.build(), later.build()), List.of(),
                verdicts(Verdict.FRAGMENT, 2), false));

        Frames.Tcp tagged = syn(40008);
        tagged.vlan = 42;
        cases.add(new Case("a VLAN-tagged flow is forwarded with its tag", List.of(tagged.build()),
                List.of(to(tagged, RS1_MAC)), verdicts(Verdict.FORWARDED, 1), false));

        byte[] arpReq = Frames.arp(true, CLIENT_MAC, "ff:ff:ff:ff:ff:ff", CLIENT_MAC, CLIENT_IP, "00:00:00:00:00:00",
                VIP, -1);
        byte[] arpReply = Frames.arp(false, DISPATCHER_MAC, CLIENT_MAC, DISPATCHER_MAC, VIP, CLIENT_MAC, CLIENT_IP, -1);
        cases.add(new Case("ARP request for the VIP gets our MAC", List.of(arpReq), List.of(arpReply),
                verdicts(Verdict.ARP_REPLIED, 1), false));

        byte[] arpReqTagged = Frames.arp(true, CLIENT_MAC, "ff:ff:ff:ff:ff:ff", CLIENT_MAC, CLIENT_IP,
                "00:00:00:00:00:00", VIP, 7);
        byte[] arpReplyTagged = Frames.arp(false, DISPATCHER_MAC, CLIENT_MAC, DISPATCHER_MAC, VIP, CLIENT_MAC,
                CLIENT_IP, 7);
        cases.add(new Case("ARP request for the VIP on VLAN 7 is answered on VLAN 7", List.of(arpReqTagged),
                List.of(arpReplyTagged), verdicts(Verdict.ARP_REPLIED, 1), false));

        byte[] arpOther = Frames.arp(true, CLIENT_MAC, "ff:ff:ff:ff:ff:ff", CLIENT_MAC, CLIENT_IP, "00:00:00:00:00:00",
                "198.18.0.11", -1);
        cases.add(new Case("ARP request for another address is not answered", List.of(arpOther), List.of(),
                verdicts(Verdict.ARP_IGNORED, 1), false));

        byte[] arpConflict = Frames.arp(false, RS1_MAC, "ff:ff:ff:ff:ff:ff", RS1_MAC, VIP, "00:00:00:00:00:00", VIP,
                -1);
        cases.add(new Case("ARP from a real server claiming the VIP is not learned", List.of(arpConflict), List.of(),
                verdicts(Verdict.ARP_IGNORED, 1), false));

        Frames.Tcp bad = syn(40009);
        bad.badChecksum = true;
        cases.add(new Case("a new flow with a bad TCP checksum is dropped", List.of(bad.build()), List.of(),
                verdicts(Verdict.BAD_CHECKSUM, 1), false));

        // Where the port's Maglev table puts a flow, computed by an independent implementation.
        ReferenceMaglev web = new ReferenceMaglev(65_537, List.of(new ReferenceMaglev.Server(0xC612000B, 3, RS1_MAC),
                new ReferenceMaglev.Server(0xC612000C, 2, RS2_MAC),
                new ReferenceMaglev.Server(0xC612000D, 1, RS3_MAC)));
        Frames.Tcp lost = syn(40010).ack();
        cases.add(new Case("a segment without SYN of an unknown flow is placed by the port's Maglev table",
                List.of(lost.build()), List.of(to(lost, web.lookup(hash(lost)))), verdicts(Verdict.FORWARDED, 1),
                false));

        List<byte[]> maglevIn = new ArrayList<>();
        List<byte[]> maglevOut = new ArrayList<>();
        java.util.Set<String> maglevServers = new java.util.TreeSet<>();
        for (int i = 0; i < 12; i++) {
            Frames.Tcp f = syn(42000 + i).dstPort(443);
            Frames.Tcp data = syn(42000 + i).dstPort(443).ack();
            String server = web.lookup(hash(f));
            maglevServers.add(server);
            maglevIn.add(f.build());
            maglevIn.add(data.build());
            maglevOut.add(to(f, server));
            maglevOut.add(to(data, server));
        }
        cases.add(new Case("new flows of a maglev port go where its Maglev table says, whatever came before",
                maglevIn, maglevOut, verdicts(Verdict.FORWARDED, 24), false));
        if (maglevServers.size() < 2) {
            throw new IllegalStateException("the maglev case must spread over servers: " + maglevServers);
        }

        Frames.Tcp toRs4 = syn(40011).dstPort(8080);
        byte[] rs4Reply = Frames.arp(false, RS4_MAC, DISPATCHER_MAC, RS4_MAC, "198.18.0.14", DISPATCHER_MAC,
                "198.18.0.2", -1);
        cases.add(new Case("a server without a MAC gets no flows until ARP tells its MAC",
                List.of(toRs4.build(), rs4Reply, syn(40012).dstPort(8080).build()),
                List.of(to(syn(40012).dstPort(8080), RS4_MAC)),
                verdicts(Verdict.NO_SERVER, 1, Verdict.ARP_LEARNED, 1, Verdict.FORWARDED, 1), true));

        cases.add(new Case("a port whose only server has weight 0 takes no new flows",
                List.of(syn(40013).dstPort(8443).build()), List.of(), verdicts(Verdict.NO_SERVER, 1), false));

        Frames.Tcp notOurs = syn(40014).macs(CLIENT_MAC, "02:00:00:00:00:99");
        cases.add(new Case("a frame to the VIP but another MAC is not ours", List.of(notOurs.build()), List.of(),
                verdicts(Verdict.NOT_OUR_MAC, 1), false));

        Frames.Tcp big = syn(40015).ack();
        big.payload = new byte[1600];
        cases.add(new Case("an IPv4 packet above the MTU (a GSO super-frame) is dropped", List.of(big.build()),
                List.of(), verdicts(Verdict.OVERSIZE, 1), false));

        List<byte[]> groupSources = new ArrayList<>();
        for (String source : new String[] {"01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00"}) {
            groupSources.add(syn(40017).macs(source, DISPATCHER_MAC).build());
        }
        cases.add(new Case("frames from a multicast, broadcast or all-zero source MAC are dropped", groupSources,
                List.of(), verdicts(Verdict.BAD_SOURCE_MAC, 3), false));

        byte[] arpFromGroup = Frames.arp(true, CLIENT_MAC, "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01", CLIENT_IP,
                "00:00:00:00:00:00", VIP, -1);
        byte[] arpFromBroadcast = Frames.arp(true, "ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff",
                CLIENT_IP, "00:00:00:00:00:00", VIP, -1);
        cases.add(new Case("an ARP request for the VIP from a group sender MAC is not answered",
                List.of(arpFromGroup, arpFromBroadcast), List.of(), verdicts(Verdict.BAD_SOURCE_MAC, 2), false));

        List<byte[]> spoofed = new ArrayList<>();
        for (String source : new String[] {VIP, "127.0.0.1", "224.0.0.1", "255.255.255.255", "0.0.0.0"}) {
            Frames.Tcp f = syn(40018);
            f.srcIp = source;
            spoofed.add(f.build());
        }
        cases.add(new Case("IPv4 to the VIP from the VIP, loopback, multicast, broadcast or 0.0.0.0 is dropped",
                spoofed, List.of(), verdicts(Verdict.SPOOFED_SOURCE, 5), false));

        // Longer than io.snaplen (2048, the default): a capture keeps only snaplen bytes of it, so
        // it was not fully seen and cannot be forwarded, whatever it is: one verdict in every
        // mode, as a live capture (whose kernel filter returns snaplen bytes) gives it.
        Frames.Tcp longer = syn(40019).ack();
        longer.payload = new byte[LONGER_THAN_SNAPLEN - 54];
        cases.add(new Case("a frame longer than io.snaplen is capture_truncated", List.of(longer.build()), List.of(),
                verdicts(Verdict.CAPTURE_TRUNCATED, 1), false));
        cases.add(new Case("an IPv6 frame longer than io.snaplen is capture_truncated",
                List.of(Frames.raw(CLIENT_MAC, DISPATCHER_MAC, 0x86DD, new byte[LONGER_THAN_SNAPLEN - 14])), List.of(),
                verdicts(Verdict.CAPTURE_TRUNCATED, 1), false).keptOutByCaptureFilter());

        Frames.Tcp fin = syn(40016);
        Frames.Tcp finSeg = syn(40016).ack();
        finSeg.fin = true;
        Frames.Tcp reuse = syn(40016);
        cases.add(new Case("a SYN reusing a closed 5-tuple is scheduled afresh",
                List.of(fin.build(), finSeg.build(), reuse.build()),
                List.of(to(fin, RS1_MAC), to(finSeg, RS1_MAC), to(reuse, RS2_MAC)),
                verdicts(Verdict.FORWARDED, 3), true));
        return cases;
    }
}
