package dev.dispatcher.dataplane.io.afpacket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.testing.Frames;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the capture filter through a small classic-BPF interpreter (the kernel's semantics for the
 * opcodes we emit: out-of-bounds loads reject the frame) over frames built by pcap4j.
 */
class ClassicBpfTest {
    private static final String OWN_MAC = "02:00:00:00:00:02";
    private static final long OWN = 0x02_00_00_00_00_02L;
    private static final int VIP = ip(198, 18, 2, 100);
    private static final int VIP2 = ip(198, 18, 2, 101);
    private static final int SNAPLEN = 2048;
    private static final List<ClassicBpf.Instruction> FILTER = ClassicBpf.captureFilter(new int[] {VIP, VIP2}, OWN,
            SNAPLEN);

    static Stream<Arguments> cases() {
        String client = "02:00:00:00:00:01";
        return Stream.of(
                Arguments.of("TCP to the first VIP", tcp(client, OWN_MAC, "198.18.2.100", -1, 0), true),
                Arguments.of("TCP to the second VIP", tcp(client, OWN_MAC, "198.18.2.101", -1, 0), true),
                Arguments.of("TCP to another address", tcp(client, OWN_MAC, "198.18.2.102", -1, 0), false),
                Arguments.of("TCP to a VIP behind 802.1Q", tcp(client, OWN_MAC, "198.18.2.100", 7, 0), true),
                Arguments.of("TCP to another address behind 802.1Q", tcp(client, OWN_MAC, "198.18.2.9", 7, 0), false),
                Arguments.of("TCP to a VIP with IP options", tcp(client, OWN_MAC, "198.18.2.100", -1, 3), true),
                Arguments.of("our own frame to a VIP", tcp(OWN_MAC, client, "198.18.2.100", -1, 0), false),
                Arguments.of("source MAC differs from ours only in the last byte",
                        tcp("02:00:00:00:00:03", OWN_MAC, "198.18.2.100", -1, 0), true),
                Arguments.of("source MAC differs from ours only in the first bytes",
                        tcp("06:00:00:00:00:02", OWN_MAC, "198.18.2.100", -1, 0), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tcpFrames(String description, Frames.Tcp frame, boolean accepted) {
        assertEquals(accepted ? SNAPLEN : 0, run(FILTER, frame.build()), description);
    }

    @Test
    void arpIsAcceptedUntaggedAndTaggedButNotFromUs() {
        byte[] request = Frames.arp(true, "02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01", "198.18.2.1",
                "00:00:00:00:00:00", "198.18.2.100", -1);
        byte[] tagged = Frames.arp(true, "02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01", "198.18.2.1",
                "00:00:00:00:00:00", "198.18.2.100", 12);
        byte[] ours = Frames.arp(false, OWN_MAC, "02:00:00:00:00:01", OWN_MAC, "198.18.2.100",
                "02:00:00:00:00:01", "198.18.2.1", -1);
        assertEquals(SNAPLEN, run(FILTER, request));
        assertEquals(SNAPLEN, run(FILTER, tagged));
        assertEquals(0, run(FILTER, ours));
    }

    @Test
    void fanoutSocketsTakeOnlyTheVipsAndTheArpSocketOnlyArp() {
        List<ClassicBpf.Instruction> vipsOnly = ClassicBpf.captureFilter(new int[] {VIP, VIP2}, OWN, SNAPLEN,
                ClassicBpf.Capture.VIPS);
        List<ClassicBpf.Instruction> arpOnly = ClassicBpf.captureFilter(new int[] {VIP, VIP2}, OWN, SNAPLEN,
                ClassicBpf.Capture.ARP);
        byte[] request = Frames.arp(true, "02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01", "198.18.2.1",
                "00:00:00:00:00:00", "198.18.2.100", -1);
        byte[] taggedRequest = Frames.arp(true, "02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01",
                "198.18.2.1", "00:00:00:00:00:00", "198.18.2.100", 12);
        byte[] ourArp = Frames.arp(false, OWN_MAC, "02:00:00:00:00:01", OWN_MAC, "198.18.2.100",
                "02:00:00:00:00:01", "198.18.2.1", -1);
        byte[] toVip = tcp("02:00:00:00:00:01", OWN_MAC, "198.18.2.101", 7, 0).build();
        byte[] elsewhere = tcp("02:00:00:00:00:01", OWN_MAC, "198.18.2.9", -1, 0).build();
        byte[] ipv6 = Frames.raw("02:00:00:00:00:01", OWN_MAC, 0x86DD, new byte[60]);
        assertEquals(List.of(0, 0, 0, SNAPLEN, 0, 0), List.of(run(vipsOnly, request), run(vipsOnly, taggedRequest),
                run(vipsOnly, ourArp), run(vipsOnly, toVip), run(vipsOnly, elsewhere), run(vipsOnly, ipv6)));
        assertEquals(List.of(SNAPLEN, SNAPLEN, 0, 0, 0, 0), List.of(run(arpOnly, request), run(arpOnly, taggedRequest),
                run(arpOnly, ourArp), run(arpOnly, toVip), run(arpOnly, elsewhere), run(arpOnly, ipv6)));
        assertEquals(FILTER,
                ClassicBpf.captureFilter(new int[] {VIP, VIP2}, OWN, SNAPLEN, ClassicBpf.Capture.ARP_AND_VIPS));
    }

    @Test
    void otherEtherTypesAndRuntFramesAreDropped() {
        assertEquals(0, run(FILTER, Frames.raw("02:00:00:00:00:01", OWN_MAC, 0x86DD, new byte[60])));
        assertEquals(0, run(FILTER, new byte[10]));
        byte[] shortIp = java.util.Arrays.copyOf(tcp("02:00:00:00:00:01", OWN_MAC, "198.18.2.100", -1, 0).build(), 30);
        assertEquals(0, run(FILTER, shortIp), "IPv4 cut before the destination address");
    }

    @Test
    void udpToAVipIsAccepted() {
        byte[] udp = Frames.udp("02:00:00:00:00:01", OWN_MAC, "198.18.2.1", "198.18.2.101", 5000, 53, new byte[8]);
        assertEquals(SNAPLEN, run(FILTER, udp));
    }

    @Test
    void manyVipsFallBackToAllIpv4AndNoVipsToArpOnly() {
        int[] many = new int[ClassicBpf.MAX_FILTERED_VIPS + 1];
        for (int i = 0; i < many.length; i++) {
            many[i] = VIP + 1000 + i;
        }
        List<ClassicBpf.Instruction> all = ClassicBpf.captureFilter(many, OWN, SNAPLEN);
        assertEquals(SNAPLEN, run(all, tcp("02:00:00:00:00:01", OWN_MAC, "198.18.2.9", -1, 0).build()));
        int[] exactlyMax = java.util.Arrays.copyOf(many, ClassicBpf.MAX_FILTERED_VIPS);
        List<ClassicBpf.Instruction> max = ClassicBpf.captureFilter(exactlyMax, OWN, SNAPLEN);
        assertEquals(SNAPLEN, run(max, tcp("02:00:00:00:00:01", OWN_MAC, dotted(exactlyMax[0]), -1, 0).build()));
        assertEquals(SNAPLEN,
                run(max, tcp("02:00:00:00:00:01", OWN_MAC, dotted(exactlyMax[exactlyMax.length - 1]), -1, 0).build()));
        assertEquals(0, run(max, tcp("02:00:00:00:00:01", OWN_MAC, "198.18.2.9", -1, 0).build()));
        List<ClassicBpf.Instruction> none = ClassicBpf.captureFilter(new int[0], OWN, SNAPLEN);
        assertEquals(0, run(none, tcp("02:00:00:00:00:01", OWN_MAC, "198.18.2.100", -1, 0).build()));
    }

    @Test
    void dropAllDropsEverything() {
        assertEquals(0, run(ClassicBpf.dropAll(), tcp("02:00:00:00:00:01", OWN_MAC, "198.18.2.100", -1, 0).build()));
    }

    @Test
    void theFanoutProgramSteersEveryFlowToTheWorkerItsFlowKeyNames() {
        List<ClassicBpf.Instruction> steering = ClassicBpf.steering();
        Random random = new Random(11);
        for (int n = 0; n < 2000; n++) {
            int client = 0xC6120000 | random.nextInt(1 << 17);
            int vip = 0xC6120064 + random.nextInt(4);
            int clientPort = 1024 + random.nextInt(64512);
            int port = random.nextBoolean() ? 80 : 53;
            boolean udp = random.nextBoolean();
            byte[] frame;
            int vlan = n % 5 == 0 ? 7 : -1;
            if (udp) {
                frame = Frames.udp("02:00:00:00:00:01", OWN_MAC, dotted(client), dotted(vip), clientPort, port,
                        new byte[random.nextInt(40)]);
            } else {
                Frames.Tcp t = tcp("02:00:00:00:00:01", OWN_MAC, dotted(vip), vlan, random.nextInt(3));
                t.srcIp = dotted(client);
                t.srcPort = clientPort;
                t.dstPort = port;
                frame = t.build();
            }
            FlowKey key = new FlowKey().ipv4(client, vip, clientPort, port, udp ? 17 : 6);
            int hash = run(steering, frame);
            assertEquals(key.steering(), hash, key + (vlan < 0 ? "" : " on VLAN " + vlan));
            for (int workers = 1; workers <= 4; workers++) {
                // The kernel takes the returned u32 modulo the member count.
                assertEquals(key.shard(workers), Integer.remainderUnsigned(hash, workers));
            }
        }
        assertEquals(0, run(steering, Frames.raw("02:00:00:00:00:01", OWN_MAC, 0x86DD, new byte[60])),
                "not IPv4: the first member");
        byte[] icmp = Frames.raw("02:00:00:00:00:01", OWN_MAC, 0x0800, new byte[] {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1,
            0, 0, (byte) 198, 18, 0, 1, (byte) 198, 18, 0, 100, 8, 0, 0, 0, 0, 0, 0, 0});
        assertEquals(new FlowKey().ipv4(0xC6120001, 0xC6120064, 0, 0, 1).steering(), run(steering, icmp),
                "no ports: addresses and protocol only");
    }

    @Test
    void jumpOffsetsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ClassicBpf.Instruction(ClassicBpf.JEQ_K, 256, 0, 0));
    }

    /**
     * The kernel's classic BPF semantics (net/core/filter.c) for the opcodes the builders emit.
     * Offset 0 is the frame's first byte; SKF_NET_OFF + n is byte n after the Ethernet header
     * and its tags; SKF_AD_PROTOCOL is the EtherType behind the tags (the kernel's skb->protocol
     * once it has taken the tag out). A load beyond the data ends the program with 0, as in the
     * kernel.
     */
    static int run(List<ClassicBpf.Instruction> program, byte[] frame) {
        int network = 14;
        int etherType = frame.length >= 14 ? u16(frame, 12) : 0;
        while ((etherType == 0x8100 || etherType == 0x88A8) && frame.length >= network + 4) {
            etherType = u16(frame, network + 2);
            network += 4;
        }
        int a = 0;
        int x = 0;
        int[] m = new int[16];
        for (int pc = 0, steps = 0; steps < 10_000; steps++) {
            ClassicBpf.Instruction i = program.get(pc);
            int k = i.k();
            switch (i.code()) {
                case ClassicBpf.LD_B_ABS, ClassicBpf.LD_H_ABS, ClassicBpf.LD_W_ABS, ClassicBpf.LD_W_IND,
                        ClassicBpf.LD_H_IND -> {
                    if (k == ClassicBpf.SKF_AD_PROTOCOL) {
                        a = etherType;
                        break;
                    }
                    boolean indirect = i.code() == ClassicBpf.LD_W_IND || i.code() == ClassicBpf.LD_H_IND;
                    int size = i.code() == ClassicBpf.LD_B_ABS ? 1
                            : i.code() == ClassicBpf.LD_H_ABS || i.code() == ClassicBpf.LD_H_IND ? 2 : 4;
                    long at = (indirect ? x : 0) + (long) k;
                    if (k <= ClassicBpf.SKF_NET_OFF + 0xFFFF && k >= ClassicBpf.SKF_NET_OFF) {
                        at = network + (indirect ? x : 0) + (k - ClassicBpf.SKF_NET_OFF);
                    }
                    if (at < 0 || at + size > frame.length) {
                        return 0;
                    }
                    a = 0;
                    for (int b = 0; b < size; b++) {
                        a = (a << 8) | (frame[(int) at + b] & 0xFF);
                    }
                }
                case ClassicBpf.LD_IMM -> a = k;
                case ClassicBpf.LDX_IMM -> x = k;
                case ClassicBpf.LDX_MEM -> x = m[k];
                case ClassicBpf.ST -> m[k] = a;
                case ClassicBpf.TAX -> x = a;
                case ClassicBpf.AND_K -> a &= k;
                case ClassicBpf.LSH_K -> a <<= k;
                case ClassicBpf.RSH_K -> a >>>= k;
                case ClassicBpf.MUL_K -> a *= k;
                case ClassicBpf.XOR_X -> a ^= x;
                case ClassicBpf.JA -> pc += k;
                case ClassicBpf.JEQ_K -> pc += a == k ? i.jt() : i.jf();
                case ClassicBpf.RET_K -> {
                    return k;
                }
                case ClassicBpf.RET_A -> {
                    return a;
                }
                default -> throw new AssertionError("opcode not interpreted: " + i.code());
            }
            pc++;
        }
        throw new AssertionError("program did not terminate");
    }

    private static int u16(byte[] frame, int at) {
        return ((frame[at] & 0xFF) << 8) | (frame[at + 1] & 0xFF);
    }

    private static Frames.Tcp tcp(String srcMac, String dstMac, String dstIp, int vlan, int optionWords) {
        Frames.Tcp t = new Frames.Tcp().macs(srcMac, dstMac);
        t.dstIp = dstIp;
        t.vlan = vlan;
        t.ipOptionWords = optionWords;
        return t;
    }

    private static int ip(int a, int b, int c, int d) {
        return (a << 24) | (b << 16) | (c << 8) | d;
    }

    private static String dotted(int ip) {
        return (ip >>> 24) + "." + ((ip >>> 16) & 0xFF) + "." + ((ip >>> 8) & 0xFF) + "." + (ip & 0xFF);
    }
}
