package dev.dispatcher.dataplane.io.afpacket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The struct layouts and constants in {@link Native} against the kernel's. The expected table was
 * printed by {@code src/test/resources/afpacket/kernel-abi.c} (offsetof/sizeof over
 * linux/if_packet.h, linux/filter.h, poll.h) on Debian 12, x86-64; where gcc and the headers are
 * installed the test compiles and runs that program again and compares with its output as well.
 */
class NativeLayoutTest {
    @Test
    void layoutsAndConstantsMatchTheKernelHeaders() {
        assertEquals(expectedFromHeaders(), actual());
    }

    @Test
    void layoutsMatchTheHeadersOnThisMachine(@TempDir Path dir) throws Exception {
        Path gcc = Path.of("/usr/bin/gcc");
        if (!Files.isExecutable(gcc) || !Files.exists(Path.of("/usr/include/linux/if_packet.h"))) {
            // The fixed table above still holds; this only re-derives it where a compiler exists.
            return;
        }
        Path source = dir.resolve("kernel-abi.c");
        try (InputStream in = NativeLayoutTest.class.getResourceAsStream("/afpacket/kernel-abi.c")) {
            Files.write(source, in.readAllBytes());
        }
        Path binary = dir.resolve("kernel-abi");
        run(gcc.toString(), "-o", binary.toString(), source.toString());
        Map<String, Long> printed = new LinkedHashMap<>();
        for (String line : run(binary.toString()).split("\n")) {
            int eq = line.lastIndexOf('=');
            printed.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
        }
        assertEquals(printed, actual());
    }

    @Test
    void ringGeometryFitsTheKernelRules() {
        RingGeometry g = RingGeometry.forBytes(16 << 20, 2048);
        assertEquals(0, g.blockSize() % RingGeometry.PAGE_SIZE);
        assertEquals(0, g.frameSize() % Native.TPACKET_ALIGNMENT);
        assertTrue(g.frameSize() - 66 >= 2048, "a whole snaplen-sized frame fits behind the kernel's mac offset");
        assertTrue(g.byteSize() >= 16 << 20);
        assertEquals(g.frameCount(), g.frameOffsets(0).length);
        long last = g.frameOffset(g.frameCount() - 1);
        assertTrue(last + g.frameSize() <= g.byteSize());
        RingGeometry tx = RingGeometry.forFrames(2048, 65_535);
        assertTrue(tx.frameCount() >= 2048);
        assertTrue(tx.frameSize() - Native.TX_DATA_OFFSET >= 65_535);
        assertTrue(tx.frameSize() - Native.TX3_DATA_OFFSET >= 65_535, "a V3 TX slot (data at 48) holds snaplen too");
        assertEquals(48, Native.TX3_DATA_OFFSET);
        // A V3 RX block holds at least one whole snaplen-sized frame behind its block header and the
        // kernel's mac offset (TPACKET_ALIGN(TPACKET3_HDRLEN + 16) - 14 = 82).
        RingGeometry blocks = RingGeometry.forBytes(16 << 20, 65_535);
        assertTrue(blocks.blockSize() - Native.TPACKET_BLOCK_DESC.byteSize() - 82 >= 65_535);
    }

    private static Map<String, Long> actual() {
        Map<String, Long> m = new LinkedHashMap<>();
        struct(m, "tpacket2_hdr", Native.TPACKET2_HDR, "tp_status", "tp_len", "tp_snaplen", "tp_mac", "tp_net",
                "tp_sec", "tp_nsec", "tp_vlan_tci", "tp_vlan_tpid", "tp_padding");
        m.put("TPACKET2_HDRLEN", (long) Native.TPACKET2_HDRLEN);
        struct(m, "tpacket3_hdr", Native.TPACKET3_HDR, "tp_next_offset", "tp_sec", "tp_nsec", "tp_snaplen", "tp_len",
                "tp_status", "tp_mac", "tp_net", "hv1", "tp_padding");
        m.put("offsetof(struct tpacket3_hdr,hv1.tp_vlan_tci)", Native.TP3_VLAN_TCI);
        m.put("offsetof(struct tpacket3_hdr,hv1.tp_vlan_tpid)", Native.TP3_VLAN_TPID);
        m.put("TPACKET3_HDRLEN", (long) Native.TPACKET3_HDRLEN);
        struct(m, "tpacket_hdr_v1", Native.TPACKET_HDR_V1, "block_status", "num_pkts", "offset_to_first_pkt", "blk_len",
                "seq_num", "ts_first_pkt", "ts_last_pkt");
        struct(m, "tpacket_block_desc", Native.TPACKET_BLOCK_DESC, "version", "offset_to_priv", "hdr");
        m.put("offsetof(struct tpacket_block_desc,hdr.bh1.block_status)", Native.BLOCK_STATUS);
        m.put("offsetof(struct tpacket_block_desc,hdr.bh1.num_pkts)", Native.BLOCK_NUM_PKTS);
        m.put("offsetof(struct tpacket_block_desc,hdr.bh1.offset_to_first_pkt)", Native.BLOCK_FIRST_PKT);
        struct(m, "tpacket_req3", Native.TPACKET_REQ3, "tp_block_size", "tp_block_nr", "tp_frame_size", "tp_frame_nr",
                "tp_retire_blk_tov", "tp_sizeof_priv", "tp_feature_req_word");
        struct(m, "tpacket_req", Native.TPACKET_REQ, "tp_block_size", "tp_block_nr", "tp_frame_size", "tp_frame_nr");
        struct(m, "sockaddr_ll", Native.SOCKADDR_LL, "sll_family", "sll_protocol", "sll_ifindex", "sll_hatype",
                "sll_pkttype", "sll_halen", "sll_addr");
        struct(m, "sock_filter", Native.SOCK_FILTER, "code", "jt", "jf", "k");
        struct(m, "sock_fprog", Native.SOCK_FPROG, "len", "filter");
        struct(m, "tpacket_stats", Native.TPACKET_STATS, "tp_packets", "tp_drops");
        struct(m, "pollfd", Native.POLLFD, "fd", "events", "revents");
        constants(m, "AF_PACKET", Native.AF_PACKET, "SOCK_RAW", Native.SOCK_RAW,
                "ETH_P_ALL", Short.reverseBytes(Native.ETH_P_ALL_BE), "SOL_SOCKET", Native.SOL_SOCKET,
                "SO_ATTACH_FILTER", Native.SO_ATTACH_FILTER, "SOL_PACKET", Native.SOL_PACKET,
                "PACKET_RX_RING", Native.PACKET_RX_RING, "PACKET_STATISTICS", Native.PACKET_STATISTICS,
                "PACKET_VERSION", Native.PACKET_VERSION, "PACKET_TX_RING", Native.PACKET_TX_RING,
                "PACKET_LOSS", Native.PACKET_LOSS, "PACKET_QDISC_BYPASS", Native.PACKET_QDISC_BYPASS,
                "PACKET_IGNORE_OUTGOING", Native.PACKET_IGNORE_OUTGOING, "TPACKET_V2", Native.TPACKET_V2,
                "TPACKET_V3", Native.TPACKET_V3, "PACKET_FANOUT", Native.PACKET_FANOUT,
                "PACKET_FANOUT_HASH", Native.PACKET_FANOUT_HASH, "PACKET_FANOUT_CBPF", Native.PACKET_FANOUT_CBPF,
                "PACKET_FANOUT_DATA", Native.PACKET_FANOUT_DATA,
                "PACKET_FANOUT_FLAG_UNIQUEID", Native.PACKET_FANOUT_FLAG_UNIQUEID,
                "PACKET_FANOUT_FLAG_DEFRAG", Native.PACKET_FANOUT_FLAG_DEFRAG,
                "TP_STATUS_BLK_TMO", Native.TP_STATUS_BLK_TMO,
                "TP_STATUS_KERNEL", Native.TP_STATUS_KERNEL, "TP_STATUS_USER", Native.TP_STATUS_USER,
                "TP_STATUS_LOSING", Native.TP_STATUS_LOSING, "TP_STATUS_CSUMNOTREADY", Native.TP_STATUS_CSUMNOTREADY,
                "TP_STATUS_VLAN_VALID", Native.TP_STATUS_VLAN_VALID,
                "TP_STATUS_VLAN_TPID_VALID", Native.TP_STATUS_VLAN_TPID_VALID,
                "TP_STATUS_AVAILABLE", Native.TP_STATUS_AVAILABLE,
                "TP_STATUS_SEND_REQUEST", Native.TP_STATUS_SEND_REQUEST,
                "TP_STATUS_SENDING", Native.TP_STATUS_SENDING, "TP_STATUS_WRONG_FORMAT", Native.TP_STATUS_WRONG_FORMAT,
                "TPACKET_ALIGNMENT", Native.TPACKET_ALIGNMENT, "PROT_READ", Native.PROT_READ,
                "PROT_WRITE", Native.PROT_WRITE,
                "MAP_SHARED", Native.MAP_SHARED, "POLLIN", Native.POLLIN, "EFD_NONBLOCK", Native.EFD_NONBLOCK,
                "EFD_CLOEXEC", Native.EFD_CLOEXEC, "MSG_DONTWAIT", PacketSocket.MSG_DONTWAIT,
                "BPF_LD|BPF_W|BPF_ABS", ClassicBpf.LD_W_ABS, "BPF_LD|BPF_H|BPF_ABS", ClassicBpf.LD_H_ABS,
                "BPF_LD|BPF_W|BPF_IND", ClassicBpf.LD_W_IND, "BPF_LDX|BPF_W|BPF_IMM", ClassicBpf.LDX_IMM,
                "BPF_JMP|BPF_JEQ|BPF_K", ClassicBpf.JEQ_K, "BPF_RET|BPF_K", ClassicBpf.RET_K,
                "BPF_RET|BPF_A", ClassicBpf.RET_A, "BPF_LD|BPF_B|BPF_ABS", ClassicBpf.LD_B_ABS,
                "BPF_LD|BPF_H|BPF_IND", ClassicBpf.LD_H_IND, "BPF_LD|BPF_W|BPF_IMM", ClassicBpf.LD_IMM,
                "BPF_LDX|BPF_W|BPF_MEM", ClassicBpf.LDX_MEM, "BPF_ST", ClassicBpf.ST,
                "BPF_MISC|BPF_TAX", ClassicBpf.TAX,
                "BPF_ALU|BPF_AND|BPF_K", ClassicBpf.AND_K, "BPF_ALU|BPF_LSH|BPF_K", ClassicBpf.LSH_K,
                "BPF_ALU|BPF_RSH|BPF_K", ClassicBpf.RSH_K, "BPF_ALU|BPF_MUL|BPF_K", ClassicBpf.MUL_K,
                "BPF_ALU|BPF_XOR|BPF_X", ClassicBpf.XOR_X, "BPF_JMP|BPF_JA", ClassicBpf.JA,
                "SKF_AD_OFF+SKF_AD_PROTOCOL", ClassicBpf.SKF_AD_PROTOCOL, "SKF_NET_OFF", ClassicBpf.SKF_NET_OFF);
        return m;
    }

    /** Keys spelled as kernel-abi.c prints them. */
    private static void struct(Map<String, Long> m, String name, StructLayout layout, String... fields) {
        m.put("sizeof(struct " + name + ")", layout.byteSize());
        for (String field : fields) {
            m.put("offsetof(struct " + name + "," + field + ")", Native.offset(layout, field));
        }
    }

    private static void constants(Map<String, Long> m, Object... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], ((Number) pairs[i + 1]).longValue());
        }
    }

    /**
     * kernel-abi.c's output on Debian 12 (linux-libc-dev 6.1), x86-64; the TPACKET_V3 and fanout
     * entries were added from the same program on a 6.18 kernel's headers (unchanged since 4.x).
     */
    private static Map<String, Long> expectedFromHeaders() {
        String printed = """
                sizeof(struct tpacket2_hdr)=32 offsetof(struct tpacket2_hdr,tp_status)=0 \
                offsetof(struct tpacket2_hdr,tp_len)=4 \
                offsetof(struct tpacket2_hdr,tp_snaplen)=8 offsetof(struct tpacket2_hdr,tp_mac)=12 \
                offsetof(struct tpacket2_hdr,tp_net)=14 offsetof(struct tpacket2_hdr,tp_sec)=16 \
                offsetof(struct tpacket2_hdr,tp_nsec)=20 offsetof(struct tpacket2_hdr,tp_vlan_tci)=24 \
                offsetof(struct tpacket2_hdr,tp_vlan_tpid)=26 offsetof(struct tpacket2_hdr,tp_padding)=28 \
                TPACKET2_HDRLEN=52 \
                sizeof(struct tpacket3_hdr)=48 offsetof(struct tpacket3_hdr,tp_next_offset)=0 \
                offsetof(struct tpacket3_hdr,tp_sec)=4 \
                offsetof(struct tpacket3_hdr,tp_nsec)=8 offsetof(struct tpacket3_hdr,tp_snaplen)=12 \
                offsetof(struct tpacket3_hdr,tp_len)=16 offsetof(struct tpacket3_hdr,tp_status)=20 \
                offsetof(struct tpacket3_hdr,tp_mac)=24 offsetof(struct tpacket3_hdr,tp_net)=26 \
                offsetof(struct tpacket3_hdr,hv1)=28 \
                offsetof(struct tpacket3_hdr,tp_padding)=40 offsetof(struct tpacket3_hdr,hv1.tp_vlan_tci)=32 \
                offsetof(struct tpacket3_hdr,hv1.tp_vlan_tpid)=36 TPACKET3_HDRLEN=68 sizeof(struct tpacket_hdr_v1)=40 \
                offsetof(struct tpacket_hdr_v1,block_status)=0 offsetof(struct tpacket_hdr_v1,num_pkts)=4 \
                offsetof(struct tpacket_hdr_v1,offset_to_first_pkt)=8 offsetof(struct tpacket_hdr_v1,blk_len)=12 \
                offsetof(struct tpacket_hdr_v1,seq_num)=16 offsetof(struct tpacket_hdr_v1,ts_first_pkt)=24 \
                offsetof(struct tpacket_hdr_v1,ts_last_pkt)=32 sizeof(struct tpacket_block_desc)=48 \
                offsetof(struct tpacket_block_desc,version)=0 offsetof(struct tpacket_block_desc,offset_to_priv)=4 \
                offsetof(struct tpacket_block_desc,hdr)=8 offsetof(struct tpacket_block_desc,hdr.bh1.block_status)=8 \
                offsetof(struct tpacket_block_desc,hdr.bh1.num_pkts)=12 \
                offsetof(struct tpacket_block_desc,hdr.bh1.offset_to_first_pkt)=16 sizeof(struct tpacket_req3)=28 \
                offsetof(struct tpacket_req3,tp_block_size)=0 offsetof(struct tpacket_req3,tp_block_nr)=4 \
                offsetof(struct tpacket_req3,tp_frame_size)=8 offsetof(struct tpacket_req3,tp_frame_nr)=12 \
                offsetof(struct tpacket_req3,tp_retire_blk_tov)=16 offsetof(struct tpacket_req3,tp_sizeof_priv)=20 \
                offsetof(struct tpacket_req3,tp_feature_req_word)=24 sizeof(struct tpacket_req)=16 \
                offsetof(struct tpacket_req,tp_block_size)=0 offsetof(struct tpacket_req,tp_block_nr)=4 \
                offsetof(struct tpacket_req,tp_frame_size)=8 offsetof(struct tpacket_req,tp_frame_nr)=12 \
                sizeof(struct sockaddr_ll)=20 \
                offsetof(struct sockaddr_ll,sll_family)=0 offsetof(struct sockaddr_ll,sll_protocol)=2 \
                offsetof(struct sockaddr_ll,sll_ifindex)=4 offsetof(struct sockaddr_ll,sll_hatype)=8 \
                offsetof(struct sockaddr_ll,sll_pkttype)=10 offsetof(struct sockaddr_ll,sll_halen)=11 \
                offsetof(struct sockaddr_ll,sll_addr)=12 sizeof(struct sock_filter)=8 \
                offsetof(struct sock_filter,code)=0 \
                offsetof(struct sock_filter,jt)=2 offsetof(struct sock_filter,jf)=3 offsetof(struct sock_filter,k)=4 \
                sizeof(struct sock_fprog)=16 offsetof(struct sock_fprog,len)=0 offsetof(struct sock_fprog,filter)=8 \
                sizeof(struct tpacket_stats)=8 offsetof(struct tpacket_stats,tp_packets)=0 \
                offsetof(struct tpacket_stats,tp_drops)=4 \
                sizeof(struct pollfd)=8 offsetof(struct pollfd,fd)=0 offsetof(struct pollfd,events)=4 \
                offsetof(struct pollfd,revents)=6 AF_PACKET=17 SOCK_RAW=3 ETH_P_ALL=3 SOL_SOCKET=1 SO_ATTACH_FILTER=26 \
                SOL_PACKET=263 \
                PACKET_RX_RING=5 PACKET_STATISTICS=6 PACKET_VERSION=10 PACKET_TX_RING=13 PACKET_LOSS=14 \
                PACKET_QDISC_BYPASS=20 \
                PACKET_IGNORE_OUTGOING=23 TPACKET_V2=1 TPACKET_V3=2 PACKET_FANOUT=18 PACKET_FANOUT_HASH=0 \
                PACKET_FANOUT_CBPF=6 PACKET_FANOUT_DATA=22 \
                PACKET_FANOUT_FLAG_UNIQUEID=8192 PACKET_FANOUT_FLAG_DEFRAG=32768 TP_STATUS_BLK_TMO=32 \
                TP_STATUS_KERNEL=0 \
                TP_STATUS_USER=1 TP_STATUS_LOSING=4 TP_STATUS_CSUMNOTREADY=8 TP_STATUS_VLAN_VALID=16 \
                TP_STATUS_VLAN_TPID_VALID=64 \
                TP_STATUS_AVAILABLE=0 TP_STATUS_SEND_REQUEST=1 TP_STATUS_SENDING=2 TP_STATUS_WRONG_FORMAT=4 \
                TPACKET_ALIGNMENT=16 \
                PROT_READ=1 PROT_WRITE=2 MAP_SHARED=1 POLLIN=1 EFD_NONBLOCK=2048 EFD_CLOEXEC=524288 MSG_DONTWAIT=64 \
                BPF_LD|BPF_W|BPF_ABS=32 BPF_LD|BPF_H|BPF_ABS=40 BPF_LD|BPF_W|BPF_IND=64 BPF_LDX|BPF_W|BPF_IMM=1 \
                BPF_JMP|BPF_JEQ|BPF_K=21 BPF_RET|BPF_K=6 BPF_RET|BPF_A=22 BPF_LD|BPF_B|BPF_ABS=48 \
                BPF_LD|BPF_H|BPF_IND=72 \
                BPF_LD|BPF_W|BPF_IMM=0 BPF_LDX|BPF_W|BPF_MEM=97 BPF_ST=2 BPF_MISC|BPF_TAX=7 BPF_ALU|BPF_AND|BPF_K=84 \
                BPF_ALU|BPF_LSH|BPF_K=100 BPF_ALU|BPF_RSH|BPF_K=116 BPF_ALU|BPF_MUL|BPF_K=36 BPF_ALU|BPF_XOR|BPF_X=172 \
                BPF_JMP|BPF_JA=5 SKF_AD_OFF+SKF_AD_PROTOCOL=-4096 SKF_NET_OFF=-1048576""";
        Map<String, Long> m = new LinkedHashMap<>();
        for (String pair : printed.split("(?<=\\d) ")) {
            int eq = pair.lastIndexOf('=');
            m.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
        }
        return m;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }
}
