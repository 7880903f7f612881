package dev.dispatcher.dataplane.io.afpacket;

import dev.dispatcher.dataplane.core.FlowKey;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Classic BPF programs for {@code SO_ATTACH_FILTER} (linux/filter.h, Documentation/networking/filter.rst),
 * built here rather than by libpcap's compiler so that nothing native but the kernel is involved.
 *
 * <p>On the receive path the kernel moves the outermost 802.1Q tag out of the frame (skb_vlan_untag)
 * before packet sockets and their filters see it; a tag can only still be in the bytes when a second
 * tag follows it. So the filter reads the EtherType at offset 12 and, when that is 0x8100, once more
 * behind the tag: that one rule covers untagged frames, frames whose tag the kernel took out and
 * frames with one tag left in place.
 */
public final class ClassicBpf {
    // Opcodes: class | size | mode (or class | op | source) from linux/bpf_common.h.
    static final int LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS: A = u32 at [k]
    static final int LD_H_ABS = 0x28; // BPF_LD | BPF_H | BPF_ABS: A = u16 at [k]
    static final int LD_W_IND = 0x40; // BPF_LD | BPF_W | BPF_IND: A = u32 at [X + k]
    static final int LDX_IMM = 0x01; // BPF_LDX | BPF_W | BPF_IMM: X = k
    static final int JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K: pc += (A == k) ? jt : jf
    static final int RET_K = 0x06; // BPF_RET | BPF_K: accept k bytes (0 = drop)
    static final int RET_A = 0x16; // BPF_RET | BPF_A: return A
    static final int LD_B_ABS = 0x30; // BPF_LD | BPF_B | BPF_ABS: A = u8 at [k]
    static final int LD_H_IND = 0x48; // BPF_LD | BPF_H | BPF_IND: A = u16 at [X + k]
    static final int LD_IMM = 0x00; // BPF_LD | BPF_W | BPF_IMM: A = k
    static final int LDX_MEM = 0x61; // BPF_LDX | BPF_MEM: X = M[k]
    static final int ST = 0x02; // BPF_ST: M[k] = A
    static final int TAX = 0x07; // BPF_MISC | BPF_TAX: X = A
    static final int AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K
    static final int LSH_K = 0x64; // BPF_ALU | BPF_LSH | BPF_K
    static final int RSH_K = 0x74; // BPF_ALU | BPF_RSH | BPF_K (logical)
    static final int MUL_K = 0x24; // BPF_ALU | BPF_MUL | BPF_K (32 bits, wraps)
    static final int XOR_X = 0xAC; // BPF_ALU | BPF_XOR | BPF_X
    static final int JA = 0x05; // BPF_JMP | BPF_JA: pc += k

    /**
     * Negative load offsets the kernel resolves against skb fields rather than skb->data
     * (linux/filter.h): SKF_NET_OFF + n reads byte n of the network header wherever the frame
     * starts, SKF_AD_OFF + SKF_AD_PROTOCOL reads skb->protocol (the EtherType after any tag the
     * kernel took out). A fanout program runs before the MAC header is pushed back, so only these
     * offsets mean the same thing there as in a socket filter.
     */
    static final int SKF_AD_PROTOCOL = -0x1000;
    static final int SKF_NET_OFF = -0x100000;

    /** Jump offsets are 8 bits: more VIPs than this and the filter accepts all IPv4 instead. */
    static final int MAX_FILTERED_VIPS = 250;

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_ARP = 0x0806;
    static final int ETHERTYPE_VLAN = 0x8100;

    /** One instruction: struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}. */
    public record Instruction(int code, int jt, int jf, int k) {
        public Instruction {
            if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
                throw new IllegalArgumentException("jump offset out of range: " + jt + "/" + jf);
            }
        }
    }

    private ClassicBpf() {
    }

    /**
     * What a capture socket takes in. A single socket takes both; with PACKET_FANOUT the sockets of
     * the group take only the VIPs' IPv4 (the kernel spreads it by flow hash) and one more socket,
     * outside the group, takes ARP for the worker that owns the ARP agent.
     */
    public enum Capture {
        ARP_AND_VIPS(true, true),
        VIPS(false, true),
        ARP(true, false);

        final boolean arp;
        final boolean vips;

        Capture(boolean arp, boolean vips) {
            this.arp = arp;
            this.vips = vips;
        }
    }

    /** A program that drops every frame (for send-only sockets). */
    public static List<Instruction> dropAll() {
        return List.of(new Instruction(RET_K, 0, 0, 0));
    }

    /**
     * The capture filter: ARP, and IPv4 addressed to one of {@code vips}, untagged or behind one
     * 802.1Q tag; never a frame whose source MAC is {@code ownMac}. Accepted frames are captured
     * up to {@code snaplen} bytes (the ring slot may cut them shorter).
     */
    public static List<Instruction> captureFilter(int[] vips, long ownMac, int snaplen) {
        return captureFilter(vips, ownMac, snaplen, Capture.ARP_AND_VIPS);
    }

    /** The capture filter for {@code what}: as above with ARP or the VIPs' IPv4 left out. */
    public static List<Instruction> captureFilter(int[] vips, long ownMac, int snaplen, Capture what) {
        boolean filterVips = vips.length <= MAX_FILTERED_VIPS;
        List<Instruction> p = new ArrayList<>();
        // 0: A = source MAC bytes 0-1 (frame offset 6).
        p.add(new Instruction(LD_H_ABS, 0, 0, 6));
        // 1: same as ours? go on to 2; else skip the rest of the MAC test, to 5.
        p.add(new Instruction(JEQ_K, 0, 3, (int) (ownMac >>> 32) & 0xFFFF));
        // 2: A = source MAC bytes 2-5.
        p.add(new Instruction(LD_W_ABS, 0, 0, 8));
        // 3: ours? to 4 (drop); else to 5.
        p.add(new Instruction(JEQ_K, 0, 1, (int) ownMac));
        // 4: drop: a frame we sent (another socket's transmission looped to us, or a bridge echo).
        p.add(new Instruction(RET_K, 0, 0, 0));
        // 5: X = 0, the offset added to every later IPv4 read while no tag is in the frame.
        p.add(new Instruction(LDX_IMM, 0, 0, 0));
        // 6: A = EtherType (offset 12).
        p.add(new Instruction(LD_H_ABS, 0, 0, 12));
        // 7: an 802.1Q tag left in the frame? to 8; else to 10 with A still the EtherType.
        p.add(new Instruction(JEQ_K, 0, 2, ETHERTYPE_VLAN));
        // 8: X = 4: the IPv4 header starts four bytes later.
        p.add(new Instruction(LDX_IMM, 0, 0, 4));
        // 9: A = the EtherType behind the tag (offset 16).
        p.add(new Instruction(LD_H_ABS, 0, 0, 16));
        // 10: ARP? to 11 (accept); else to 12.
        p.add(new Instruction(JEQ_K, 0, 1, ETHERTYPE_ARP));
        // 11: accept ARP: the responder answers for the VIPs and the neighbour cache learns from it
        // (drop it on a socket that does not take ARP).
        p.add(new Instruction(RET_K, 0, 0, what.arp ? snaplen : 0));
        if (!what.vips) {
            // 12: drop: this socket takes ARP only.
            p.add(new Instruction(RET_K, 0, 0, 0));
            return List.copyOf(p);
        }
        // 12: IPv4? to 14; else to 13 (drop).
        p.add(new Instruction(JEQ_K, 1, 0, ETHERTYPE_IPV4));
        // 13: drop: neither ARP nor IPv4.
        p.add(new Instruction(RET_K, 0, 0, 0));
        if (!filterVips) {
            // 14: too many VIPs for 8-bit jumps: accept all IPv4, the forwarder drops the rest.
            p.add(new Instruction(RET_K, 0, 0, snaplen));
            return List.copyOf(p);
        }
        // 14: A = IPv4 destination address at X + 14 + 16 (fixed offset whatever the IHL).
        p.add(new Instruction(LD_W_IND, 0, 0, 30));
        // 15..15+n-1: VIP i? jump over the remaining n-1-i tests and the drop to the accept.
        for (int i = 0; i < vips.length; i++) {
            p.add(new Instruction(JEQ_K, vips.length - i, 0, vips[i]));
        }
        // 15+n: drop: IPv4 not for a VIP.
        p.add(new Instruction(RET_K, 0, 0, 0));
        // 16+n: accept IPv4 for a VIP.
        p.add(new Instruction(RET_K, 0, 0, snaplen));
        return List.copyOf(p);
    }

    /**
     * The fanout group's steering program: the flow owner's hash of {@code FlowKey.steering} from
     * the packet's own IPv4 addresses, ports (TCP and UDP; 0 for other protocols) and protocol;
     * the kernel takes it modulo the member count, as {@code FlowKey.shard} does. Anything that
     * is not IPv4 returns 0 (the capture filter lets nothing else into the group). Fragments do
     * not reach it: the group reassembles them first (PACKET_FANOUT_FLAG_DEFRAG).
     */
    public static List<Instruction> steering() {
        return List.of(
                // 0: A = EtherType after any tag the kernel took out; 1: IPv4? on; else to 37.
                new Instruction(LD_W_ABS, 0, 0, SKF_AD_PROTOCOL),
                new Instruction(JEQ_K, 0, 35, ETHERTYPE_IPV4),
                // 2-5: X = IHL * 4, the transport header's offset in the network header.
                new Instruction(LD_B_ABS, 0, 0, SKF_NET_OFF),
                new Instruction(AND_K, 0, 0, 0x0F),
                new Instruction(LSH_K, 0, 0, 2),
                new Instruction(TAX, 0, 0, 0),
                // 6-7: M[0] = protocol; 8: TCP? to 10; 9: UDP? to 10, else to 17 (no ports).
                new Instruction(LD_B_ABS, 0, 0, SKF_NET_OFF + 9),
                new Instruction(ST, 0, 0, 0),
                new Instruction(JEQ_K, 1, 0, 6),
                new Instruction(JEQ_K, 0, 7, 17),
                // 10-15: A = (source port ^ destination port) << 16; 16: to 18.
                new Instruction(LD_H_IND, 0, 0, SKF_NET_OFF),
                new Instruction(ST, 0, 0, 1),
                new Instruction(LD_H_IND, 0, 0, SKF_NET_OFF + 2),
                new Instruction(LDX_MEM, 0, 0, 1),
                new Instruction(XOR_X, 0, 0, 0),
                new Instruction(LSH_K, 0, 0, 16),
                new Instruction(JA, 0, 0, 1),
                // 17: no ports: A = 0. 18: M[1] = A.
                new Instruction(LD_IMM, 0, 0, 0),
                new Instruction(ST, 0, 0, 1),
                // 19-23: A = source address ^ destination address.
                new Instruction(LD_W_ABS, 0, 0, SKF_NET_OFF + 12),
                new Instruction(ST, 0, 0, 2),
                new Instruction(LD_W_ABS, 0, 0, SKF_NET_OFF + 16),
                new Instruction(LDX_MEM, 0, 0, 2),
                new Instruction(XOR_X, 0, 0, 0),
                // 24-27: ^ M[1] (ports) ^ M[0] (protocol).
                new Instruction(LDX_MEM, 0, 0, 1),
                new Instruction(XOR_X, 0, 0, 0),
                new Instruction(LDX_MEM, 0, 0, 0),
                new Instruction(XOR_X, 0, 0, 0),
                // 28-35: the two multiply-xorshift rounds of FlowKey.steering; 36: return A.
                new Instruction(MUL_K, 0, 0, FlowKey.STEERING_MULTIPLIER_1),
                new Instruction(TAX, 0, 0, 0),
                new Instruction(RSH_K, 0, 0, 15),
                new Instruction(XOR_X, 0, 0, 0),
                new Instruction(MUL_K, 0, 0, FlowKey.STEERING_MULTIPLIER_2),
                new Instruction(TAX, 0, 0, 0),
                new Instruction(RSH_K, 0, 0, 13),
                new Instruction(XOR_X, 0, 0, 0),
                new Instruction(RET_A, 0, 0, 0),
                // 37: not IPv4: the first member.
                new Instruction(RET_K, 0, 0, 0));
    }

    /** The program as an array of struct sock_filter in {@code arena}. */
    static MemorySegment toSegment(List<Instruction> program, Arena arena) {
        MemorySegment s = arena.allocate(Native.SOCK_FILTER, program.size());
        long size = Native.SOCK_FILTER.byteSize();
        for (int i = 0; i < program.size(); i++) {
            Instruction insn = program.get(i);
            long at = i * size;
            s.set(ValueLayout.JAVA_SHORT, at + Native.offset(Native.SOCK_FILTER, "code"), (short) insn.code());
            s.set(ValueLayout.JAVA_BYTE, at + Native.offset(Native.SOCK_FILTER, "jt"), (byte) insn.jt());
            s.set(ValueLayout.JAVA_BYTE, at + Native.offset(Native.SOCK_FILTER, "jf"), (byte) insn.jf());
            s.set(ValueLayout.JAVA_INT, at + Native.offset(Native.SOCK_FILTER, "k"), insn.k());
        }
        return s;
    }
}
